/** @odoo-module **/
/* Inventory controller: reads the theatres' cabinet usage by department, sees the expired lot
   flagged, and applies the event held for an unknown code once that code is mapped. */
import { registry } from "@web/core/registry";
import { noError, screenshot } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_cabinet_tour", {
    url: "/odoo/action-medsync.action_medsync_consumption_event",
    steps: () => [
        {
            content: "usage grouped by department: open the theatres",
            trigger: ".o_list_view .o_group_header:contains(OR)",
            run: "click",
        },
        {
            content: "the expired lot is there, flagged",
            trigger: ".o_list_view .o_data_row:contains(E-1007):contains(GLV23X001)",
        },
        {
            content: "the event held for an unknown code",
            trigger: ".o_list_view .o_data_row:contains(E-1006):contains(Held)",
        },
        screenshot("cabinet_consumption"),
        {
            content: "select it",
            trigger: ".o_list_view .o_data_row:contains(E-1006) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "apply the held events (its code is mapped now)",
            trigger: "button[name=action_apply_held]",
            run: "click",
        },
        {
            content: "it was applied",
            trigger: ".o_notification:contains(1 applied)",
        },
        noError("on cabinet consumption"),
    ],
});
