/** @odoo-module **/
/* Integration admin: MedSync › Integrations › Analytics extracts. Run now (the first run reads
   everything), see the run, open it (its tables and rows), and run it again. */
import { registry } from "@web/core/registry";
import { clickButton, noError, openRow, screenshot } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_extract_tour", {
    url: "/odoo/action-medsync.medsync_extract_run_action",
    steps: () => [
        {
            content: "Run now",
            trigger: "button[name=action_run_now]",
            run: "click",
        },
        {
            content: "the run says what it wrote",
            trigger: ".o_notification:contains(row(s) in)",
        },
        {
            content: "the run is in the list, done",
            trigger: ".o_list_view .o_data_row:contains(run-):contains(Done)",
        },
        screenshot("extract_runs"),
        ...openRow("run-"),
        {
            content: "its tables and their rows",
            trigger: ".o_form_view .o_field_widget[name=table_summary]:contains(purchase_order_lines)",
        },
        {
            content: "read from the database Odoo gives read-only work to",
            trigger: ".o_form_view .o_field_widget[name=source]:not(:empty)",
        },
        screenshot("extract_run"),
        clickButton("action_rerun", "run it again"),
        {
            content: "the same run, written again beside it: the same files",
            trigger: ".o_notification:contains(same files as the original)",
        },
        noError("on the extract run"),
    ],
});
