/** @odoo-module **/
/* Buyer: works a price exception from her queue: starts it and resolves it, each with a reason. */
import { registry } from "@web/core/registry";
import { clickButton, noError, screenshot, wizard } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_buyer_tour", {
    url: "/odoo/action-medsync.medsync_exception_action_mine",
    steps: () => [
        {
            content: "open the price exception of the Cardinal Health bill from My exceptions",
            trigger: `.o_kanban_record:contains(CH-77812):contains(Price above contract),
                      .o_data_row:contains(CH-77812):contains(Price above contract) .o_data_cell:not(.o_list_record_selector)`,
            run: "click",
        },
        {
            content: "it is open",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Open)",
        },
        clickButton("action_start", "Start"),
        ...wizard("Asked Cardinal Health for a credit note of the 4.6 % above the contract price."),
        {
            content: "it is in progress",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(In progress)",
        },
        clickButton("action_resolve", "Resolve"),
        ...wizard("Cardinal Health sent credit note CN-2291 for the difference."),
        {
            content: "it is resolved",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Resolved)",
        },
        {
            content: "closed by the buyer",
            trigger: ".o_form_view .o_field_widget[name=closed_by_id]:contains(Beatrice Lindqvist)",
        },
        {
            content: "the reason is kept",
            trigger: ".o_form_view .o_field_widget[name=close_note]:contains(CN-2291)",
        },
        screenshot("buyer_exception_resolved"),
        noError("after resolving"),
    ],
});
