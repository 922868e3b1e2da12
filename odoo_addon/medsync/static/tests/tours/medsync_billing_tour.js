/** @odoo-module **/
/* GL accountant (no e-mail address): yesterday's billing batch was rejected because physical therapy
   (REV-PT) has no mapping. She reads the problem on the batch, maps the code to outpatient revenue, checks
   on the test screen which rule now maps such a line and why, validates the batch again and posts it
   outside its window; then she opens the daily reconciliation, where one day is red, and its differences. */
import { registry } from "@web/core/registry";
import { clickButton, confirmDialog, goTo, noError, openRow, screenshot } from "./medsync_tour_utils";

/** Open the newest rejected batch (the list is newest first): the demo's yesterday, whatever the clock says
    now, since the demo's week ends the day before it was installed. */
function openNewestRejected() {
    return [
        {
            content: "open the newest rejected batch",
            trigger: ".o_list_view .o_data_row.text-danger:first .o_data_cell:not(.o_list_record_selector)",
            run: "click",
        },
        {
            content: "the form is open",
            trigger: ".o_form_view .o_form_sheet",
        },
    ];
}

registry.category("web_tour.tours").add("medsync_billing_tour", {
    url: "/odoo/action-medsync.medsync_billing_batch_action",
    steps: () => [
        {
            content: "the week's batches, the rejected ones in red",
            trigger: ".o_list_view .o_data_row.text-danger",
        },
        screenshot("billing_batches"),
        ...openNewestRejected(),
        {
            content: "the batch is rejected",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Rejected)",
        },
        {
            content: "its problem: a code nobody mapped, on the line the platform sent",
            trigger: ".o_form_view .o_field_widget[name=problem_ids] .o_data_row:contains(unmapped):contains(REV-PT)",
        },
        screenshot("billing_rejected"),
        goTo("/odoo/action-medsync.medsync_billing_rule_action", "the mapping"),
        {
            content: "a new rule",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "source",
            trigger: ".o_selected_row .o_field_widget[name=source] input",
            run: "edit HBS",
        },
        {
            content: "code",
            trigger: ".o_selected_row .o_field_widget[name=code] input",
            run: "edit REV-PT",
        },
        {
            content: "to outpatient revenue",
            trigger: ".o_selected_row .o_field_widget[name=account_id] input",
            run: "edit 400120",
        },
        {
            content: "pick the account",
            trigger: ".o-autocomplete--dropdown-item:contains(400120)",
            run: "click",
        },
        {
            content: "in the billing journal",
            trigger: ".o_selected_row .o_field_widget[name=journal_id] input",
            run: "edit Hospital billing",
        },
        {
            content: "pick the journal",
            trigger: ".o-autocomplete--dropdown-item:contains(Hospital billing)",
            run: "click",
        },
        {
            content: "save the rule",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "the rule is saved",
            trigger: ".o_list_view .o_data_row:not(.o_selected_row):contains(REV-PT)",
        },
        noError("the mapping"),
        {
            content: "test the mapping",
            trigger: ".o_list_view button[name=action_test]",
            run: "click",
        },
        {
            content: "the source",
            trigger: ".modal .o_field_widget[name=source] input",
            run: "edit HBS",
        },
        {
            content: "a physical therapy line",
            trigger: ".modal .o_field_widget[name=code] input",
            run: "edit REV-PT",
        },
        {
            content: "of the physical therapy department",
            trigger: ".modal .o_field_widget[name=department] input",
            run: "edit PT",
        },
        {
            content: "test",
            trigger: ".modal .modal-footer button[name=action_test]",
            run: "click",
        },
        {
            content: "the new rule maps it, and says where to",
            trigger: ".modal .o_medsync_billing_verdict:contains(Mapped by HBS / REV-PT):contains(400120)",
        },
        {
            content: "and every other rule of the source says why not",
            trigger: ".modal .o_field_widget[name=result_ids] .o_data_row:contains(Does not match)",
        },
        screenshot("billing_mapping_test"),
        {
            content: "close the test",
            trigger: ".modal .modal-footer button.btn-secondary",
            run: "click",
        },
        goTo("/odoo/action-medsync.medsync_billing_batch_action", "back to the batches"),
        ...openNewestRejected(),
        clickButton("action_validate", "validate the batch again"),
        {
            content: "it now waits for its posting window",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Scheduled)",
        },
        clickButton("action_post_now", "post it now"),
        ...confirmDialog(),
        {
            content: "posted, with its journal entry",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "the entry is one click away",
            trigger: ".o_form_view button[name=action_open_move]",
        },
        noError("posting"),
        screenshot("billing_posted"),
        goTo("/odoo/action-medsync.medsync_billing_day_action", "the daily reconciliation"),
        {
            content: "the month, each day green or red",
            trigger: ".o_calendar_view .fc-event",
        },
        screenshot("billing_calendar"),
        {
            content: "the days as a list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        ...openRow("Drift"),
        {
            content: "the department and account that differ",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row.text-danger:contains(LAB):contains(400130)",
        },
        {
            content: "the drift exception for the GL team",
            trigger: ".o_form_view .o_field_widget[name=exception_id] a, .o_form_view .o_field_widget[name=exception_id]:contains(differs)",
        },
        screenshot("billing_drift"),
    ],
});
