/** @odoo-module **/
/* Buyer: the quarterly review of her suppliers. The scorecard overview lists the vendors worst first;
   BD Medical is very poor. She compares the vendors of the Medical category, opens BD's own scorecard
   with its twelve months of trend, then orders from BD anyway: the order warns her before she confirms,
   and the confirmation is noted on the order. */
import { registry } from "@web/core/registry";
import { goTo, noError, openRow, screenshot } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_scorecard_tour", {
    url: "/odoo/action-medsync.medsync_dashboard_action_scorecard",
    steps: () => [
        {
            content: "the score card is shown with its definition",
            trigger: ".o_medsync_kpi[data-kpi=scorecard_score] .o_medsync_kpi_definition:contains(weights)",
        },
        {
            content: "the vendors are listed worst first: BD Medical leads",
            trigger: ".o_medsync_kpi[data-kpi=scorecard_score] .o_medsync_kpi_breakdown tbody tr:first:contains(BD Medical Europe)",
        },
        {
            content: "on time in full has a twelve-month trend",
            trigger: ".o_medsync_kpi[data-kpi=scorecard_otif] .o_medsync_trend_canvas canvas",
        },
        screenshot("scorecard_overview"),
        goTo("/odoo/action-medsync.medsync_scorecard_comparison_action", "the vendors of a category"),
        {
            content: "open the Medical category",
            trigger: ".o_list_view .o_group_header:contains(Medical)",
            run: "click",
        },
        {
            content: "MedLine, Cardinal and BD side by side",
            trigger: ".o_list_view .o_data_row:contains(MedLine Supply Co.) ~ .o_data_row:contains(BD Medical Europe)",
        },
        screenshot("scorecard_category"),
        goTo("/odoo/action-medsync.medsync_scorecard_action", "vendor scorecards"),
        ...openRow("BD Medical Europe"),
        {
            content: "its latest month is very poor",
            trigger: ".o_form_view .o_field_widget[name=standing]:contains(Very poor)",
        },
        {
            content: "open its trends",
            trigger: ".o_form_view button[name=action_open_vendor_scorecard]",
            run: "click",
        },
        {
            content: "BD's own scorecard",
            trigger: ".o_medsync_dashboard h2:contains(BD Medical Europe)",
        },
        {
            content: "its figures, with no breakdown",
            trigger: ".o_medsync_kpi[data-kpi=scorecard_price_accuracy] .o_medsync_kpi_value",
        },
        {
            content: "the review can be printed",
            trigger: ".o_medsync_dashboard button.o_medsync_print_review",
        },
        screenshot("scorecard_vendor"),
        goTo("/odoo/action-purchase.purchase_rfq", "requests for quotation"),
        ...openRow(["BD Medical Europe", "RFQ"]),
        {
            content: "the order warns before it is confirmed",
            trigger: ".o_form_view .o_medsync_po_standing:contains(Very poor)",
        },
        screenshot("scorecard_order_warning"),
        {
            content: "confirm the order",
            trigger: ".o_form_view .o_form_statusbar button[name=button_confirm]",
            run: "click",
        },
        {
            content: "it is confirmed",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Purchase Order)",
        },
        {
            content: "the warning is noted in the chatter",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(Scorecard warning)",
        },
        noError("after confirming"),
    ],
});
