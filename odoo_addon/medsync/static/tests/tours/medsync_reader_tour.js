/** @odoo-module **/
/* MedSync user (read): a ward manager reads the exceptions and the runs; nothing offers her to act. */
import { registry } from "@web/core/registry";
import { goTo, noError, screenshot } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_reader_tour", {
    url: "/odoo/action-medsync.medsync_exception_action",
    steps: () => [
        {
            content: "open the expired saline exception",
            trigger: `.o_kanban_record:contains(Expired saline),
                      .o_data_row:contains(Expired saline) .o_data_cell:not(.o_list_record_selector)`,
            run: "click",
        },
        {
            content: "she reads what it is about and who owns it",
            trigger: ".o_form_view .o_field_widget[name=owner_user_id]:contains(Ivan Petrov)",
        },
        {
            content: "no Start, Resolve, Waive or Reopen for a reader",
            trigger: `.o_form_view .o_form_statusbar:not(:has(button[name=action_start])):not(:has(button[name=action_resolve])):not(:has(button[name=action_waive])):not(:has(button[name=action_reopen]))`,
        },
        screenshot("reader_exception"),
        goTo("/odoo/action-medsync.medsync_run_action", "open the runs"),
        {
            content: "the runs are listed",
            trigger: ".o_list_view .o_data_row",
        },
        noError("on the runs"),
    ],
});
