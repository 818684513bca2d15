"""RES4xx for Azure: Service Bus entities that drop expired messages and
Event Grid subscriptions without a dead-letter destination."""

from __future__ import annotations

from linter.model import Resource, Severity, Violation
from linter.rules import rule
from linter.rules._attribute_checks import AttributeCheck, check_attribute, is_not_true
from typing import Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context

SERVICEBUS_EXPIRY = AttributeCheck(
    path="dead_lettering_on_message_expiration", fails=is_not_true,
    what="Service Bus entity", problem="drops messages that expire instead of dead-lettering them",
)
EVENTGRID_DEAD_LETTER = AttributeCheck(
    path="storage_blob_dead_letter_destination", fails=lambda v: True, block=True,
    what="Event Grid subscription", problem="drops events that exhaust their retries",
)


@rule(
    id="RES412",
    name="azure-servicebus-expired-messages-dropped",
    title="Service Bus drops expired messages instead of dead-lettering them.",
    severity=Severity.LOW,
    types=("azurerm_servicebus_queue", "azurerm_servicebus_subscription"),
    remediation="Set dead_lettering_on_message_expiration = true.",
)
def servicebus_expired_messages_dropped(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Service Bus queues and topic subscriptions whose
    `dead_lettering_on_message_expiration` is not true (unset means false).

    Why is this bad?
    A message that outlives its time-to-live, for instance while consumers
    are down, is deleted without a trace instead of being moved to the
    dead-letter queue where it can be inspected and replayed.

    Example
    ```hcl
    resource "azurerm_servicebus_queue" "orders" {
      namespace_id = azurerm_servicebus_namespace.main.id
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_servicebus_queue" "orders" {
      namespace_id                         = azurerm_servicebus_namespace.main.id
      dead_lettering_on_message_expiration = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/servicebus_queue
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/servicebus_subscription
    """
    yield from check_attribute(r, SERVICEBUS_EXPIRY)


@rule(
    id="RES413",
    name="azure-eventgrid-no-dead-letter",
    title="Event Grid subscription has no dead-letter destination.",
    severity=Severity.MEDIUM,
    types=("azurerm_eventgrid_event_subscription", "azurerm_eventgrid_system_topic_event_subscription"),
    remediation="Add storage_blob_dead_letter_destination { storage_account_id = ..., "
                "storage_blob_container_name = \"eventgrid-deadletter\" }.",
)
def eventgrid_no_dead_letter(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Event Grid event subscriptions (topic and system topic) without a
    `storage_blob_dead_letter_destination` block.

    Why is this bad?
    Event Grid retries delivery (30 attempts within 24 hours by default) and
    then drops the event; events rejected with a non-retryable error are
    dropped at once. Without a dead-letter destination they are lost with
    no record.

    Example
    ```hcl
    resource "azurerm_eventgrid_event_subscription" "orders" {
      scope = azurerm_storage_account.data.id
      webhook_endpoint { url = "https://example.com/hook" }
    }
    ```

    Use instead
    ```hcl
    storage_blob_dead_letter_destination {
      storage_account_id          = azurerm_storage_account.dlq.id
      storage_blob_container_name = "eventgrid-deadletter"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/eventgrid_event_subscription
    - https://learn.microsoft.com/en-us/azure/event-grid/delivery-and-retry
    - https://learn.microsoft.com/en-us/azure/event-grid/manage-event-delivery
    """
    yield from check_attribute(r, EVENTGRID_DEAD_LETTER)
