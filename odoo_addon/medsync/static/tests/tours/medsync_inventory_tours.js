/** @odoo-module **/
/* Inventory control: the controller approves a cabinet's count and applies what one
   approval allows; an inventory administrator gives the second approval (four eyes)
   of the costly corrections and applies them. */
import { registry } from "@web/core/registry";
import { clickButton, clickThenReloaded, confirmDialog, noError, openRow, screenshot } from "./medsync_tour_utils";

const SNAPSHOTS = "/odoo/action-medsync.action_medsync_snapshot";

registry.category("web_tour.tours").add("medsync_inventory_tour", {
    url: SNAPSHOTS,
    steps: () => [
        ...openRow("Omnicell OR cabinet 1"),
        {
            content: "the differences wait for approval",
            trigger: ".o_form_view .o_field_widget[name=to_approve_count]:not(:contains(0))",
        },
        ...clickThenReloaded("action_approve_all", "Approve all"),
        {
            content: "the approval says what waits for a second approval",
            trigger: ".o_notification:contains(second approval)",
        },
        {
            content: "the snapshot says so too",
            trigger: ".o_form_view .alert-info:contains(second approval)",
        },
        {
            content: "the controller cannot give the second approval",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_approve_second_all]))",
        },
        screenshot("inventory_approved_four_eyes_waiting"),
        clickButton("action_apply", "Apply the approved corrections"),
        ...confirmDialog(),
        {
            content: "the approved corrections are applied, the four-eyes ones still wait",
            trigger: ".o_form_view .o_field_widget[name=progress_text]:contains(applied):contains(awaiting second approval)",
        },
        noError("after applying"),
    ],
});

registry.category("web_tour.tours").add("medsync_invadmin_tour", {
    url: SNAPSHOTS,
    steps: () => [
        ...openRow("Omnicell OR cabinet 1"),
        {
            content: "two corrections wait for a second approval",
            trigger: ".o_form_view .alert-info:contains(second approval)",
        },
        ...clickThenReloaded("action_approve_second_all", "Give the second approval"),
        {
            content: "the second approval is given",
            trigger: ".o_notification:contains(Second approval given)",
        },
        clickButton("action_apply", "Apply them"),
        ...confirmDialog(),
        {
            content: "the snapshot is done",
            trigger: ".o_form_view .o_field_widget[name=progress] .o_arrow_button_current:contains(Corrections applied)",
        },
        {
            content: "nothing waits any more",
            trigger: ".o_form_view:not(:has(.alert-info:contains(second approval)))",
        },
        screenshot("inventory_snapshot_done"),
        noError("after the second approval"),
    ],
});
