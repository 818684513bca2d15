# A small order-processing stack: a queue feeding a Lambda, and its database.
# Run `resilint scan examples/terraform` to see what a reviewer would miss.

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_sqs_queue" "orders_dlq" {
  name                      = "orders-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "orders" {
  name = "orders"
  # visibility_timeout_seconds is unset: 30 s, while the worker may run 60 s
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_lambda_function" "worker" {
  function_name = "orders-worker"
  role          = "arn:aws:iam::123456789012:role/orders-worker"
  handler       = "worker.handle"
  runtime       = "python3.12"
  filename      = "worker.zip"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn = aws_sqs_queue.orders.arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_db_instance" "orders" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.t4g.medium"
  allocated_storage   = 50
  username            = "orders"
  password            = var.db_password
  deletion_protection = true
  # multi_az is unset: a single-AZ database
}
