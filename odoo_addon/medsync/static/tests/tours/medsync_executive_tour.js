/** @odoo-module **/
/* Executive (the CFO, no e-mail address): the monthly review. She opens MedSync › Overview › Executive and
   reads the figures of the current month, goes back a month, narrows the figures to the Intensive Care Unit,
   then opens the orders behind a vendor's acknowledgement latency of that month. */
import { registry } from "@web/core/registry";
import { noError, screenshot } from "./medsync_tour_utils";

/** The first day of last month, as the month selector's values are written. */
function lastMonth() {
    const now = new Date();
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    return first.toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("medsync_executive_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "open the apps",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "open MedSync",
            trigger: '.o_app[data-menu-xmlid="medsync.medsync_menu_root"]',
            run: "click",
        },
        {
            content: "open the overviews",
            trigger: '.o_menu_sections [data-menu-xmlid="medsync.medsync_overview_menu"]',
            run: "click",
        },
        {
            content: "open the executive dashboard",
            trigger: '[data-menu-xmlid="medsync.medsync_dashboard_menu_executive"]',
            run: "click",
        },
        {
            content: "the executive dashboard",
            trigger: ".o_medsync_dashboard h2:contains(Executive)",
        },
        {
            content: "departmental spend says how it is computed",
            trigger: ".o_medsync_kpi[data-kpi=exec_spend] .o_medsync_kpi_definition:contains(analytic distribution)",
        },
        {
            content: "and has a figure",
            trigger: ".o_medsync_kpi[data-kpi=exec_spend] .o_medsync_kpi_value:not(:contains(—))",
        },
        {
            content: "its breakdown by department",
            trigger: ".o_medsync_kpi[data-kpi=exec_spend] .o_medsync_kpi_breakdown th:contains(Department)",
        },
        screenshot("executive_overview"),
        {
            content: "go back a month",
            trigger: "select.o_medsync_month",
            run: `select ${lastMonth()}`,
        },
        {
            content: "the figures are last month's",
            trigger: `.o_medsync_kpi[data-kpi=exec_spend] .o_medsync_kpi_figure:contains(${lastMonth().slice(0, 7)})`,
        },
        {
            content: "narrow to the Intensive Care Unit",
            trigger: "select.o_medsync_department",
            run: "select ICU",
        },
        {
            content: "spend is the unit's, without a breakdown",
            trigger:
                ".o_medsync_kpi[data-kpi=exec_spend]:not(:has(.o_medsync_kpi_breakdown)) .o_medsync_kpi_figure:contains(Intensive Care Unit)",
        },
        screenshot("executive_icu_last_month"),
        {
            content: "open the orders of a vendor's acknowledgement latency that month",
            trigger: ".o_medsync_kpi[data-kpi=exec_ack_latency] .o_medsync_kpi_breakdown tbody tr.o_medsync_clickable",
            run: "click",
        },
        {
            content: "the list of the orders",
            trigger: ".o_list_view .o_data_row",
        },
        screenshot("executive_orders"),
        noError("after opening the records"),
    ],
});
