/** @odoo-module **/
/* Vendor data steward (no e-mail address): merges a likely duplicate vendor
   through the merge wizard, then undoes the merge from its log. */
import { registry } from "@web/core/registry";
import { clickButton, confirmDialog, noError, openRow, screenshot, wizard } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_steward_tour", {
    url: "/odoo/action-medsync.medsync_vendor_duplicate_action",
    steps: () => [
        ...openRow("Paxtrizor Labs LLC"),
        {
            content: "the pair shows its evidence",
            trigger: ".o_form_view .o_field_widget[name=explanation]:not(:empty)",
        },
        {
            content: "the two vendors side by side, each comparison with its learned weight",
            trigger: ".o_form_view .o_field_widget[name=comparison_html] table:contains(Paxtrizor Labs LLC):contains(Phones)",
        },
        {
            content: "the waterfall goes from the prior to the match probability",
            trigger: ".o_form_view .o_field_widget[name=waterfall_html] table:contains(Prior):contains(match probability)",
        },
        screenshot("steward_pair_side_by_side"),
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

/* The steward reads what the duplicate-vendor model learned (each comparison's weights per level),
   then resets it with a reason. */
registry.category("web_tour.tours").add("medsync_steward_model_tour", {
    url: "/odoo/action-medsync.medsync_dedupe_model_action",
    steps: () => [
        ...openRow("Learned"),
        {
            content: "the weights of each comparison, per level",
            trigger: ".o_form_view .o_field_widget[name=weights_chart]:contains(Prior) table:contains(same house number and street)",
        },
        screenshot("steward_dedupe_model"),
        clickButton("action_open_reset", "Reset the model"),
        ...wizard("Vendor master imported again from the old ERP", { field: "reason" }),
        {
            content: "the new version is a reset: no learned weights until the next scan",
            trigger: ".o_form_view .o_field_widget[name=weights_chart]:contains(No learned weights)",
        },
        {
            content: "the reason is kept",
            trigger: ".o_form_view .o_field_widget[name=reason]:contains(old ERP)",
        },
        noError("after the reset"),
    ],
});
