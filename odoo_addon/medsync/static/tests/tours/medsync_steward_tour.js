/** @odoo-module **/
/* Vendor data steward (no e-mail address): merges a likely duplicate vendor
   through the merge wizard, then undoes the merge from its log. */
import { registry } from "@web/core/registry";
import { clickButton, confirmDialog, noError, openRow, screenshot } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_steward_tour", {
    url: "/odoo/action-medsync.medsync_vendor_duplicate_action",
    steps: () => [
        ...openRow("Paxtrizor Labs LLC"),
        {
            content: "the pair shows its evidence",
            trigger: ".o_form_view .o_field_widget[name=explanation]:not(:empty)",
        },
        clickButton("action_merge", "Merge"),
        {
            content: "the merge wizard proposes a survivor",
            trigger: ".modal .o_field_widget[name=winner_id] input:value(Paxtrizor Labs)",
        },
        screenshot("steward_merge_wizard"),
        {
            content: "merge",
            trigger: ".modal .modal-footer button[name=action_merge]",
            run: "click",
        },
        {
            content: "the merge log opens: merged",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Merged)",
        },
        {
            content: "the other vendor is named in the log",
            trigger: ".o_form_view .o_field_widget[name=loser_ids]:contains(Paxtrizor Labs)",
        },
        clickButton("action_undo", "Undo the merge"),
        ...confirmDialog(),
        {
            content: "the undo says which vendor came back",
            trigger: ".o_notification:contains(Paxtrizor Labs)",
        },
        {
            content: "the merge is undone",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Undone)",
        },
        screenshot("steward_merge_undone"),
        noError("after the undo"),
    ],
});
