/** @odoo-module **/
/**
 * The MedSync role dashboard: one client action (tag "medsync.dashboard") for
 * every role, the role coming from the action's params (or its context).
 * It reads everything with one call, medsync.kpi.fact.dashboard_data(role),
 * and renders per KPI a number card with its definition, a 30-day (or
 * 12-month) trend (Odoo's Chart.js bundle, as the graph view loads it) and a
 * breakdown table. A figure, a point of its trend or a breakdown row opens
 * the records behind it (the act_window the KPI definition gives; a trend
 * point's is asked for when it is clicked). A dashboard of monthly figures
 * has a month selector (which month the figures, breakdowns and records are
 * of), and one whose figures break down by department a department selector
 * (narrowing those figures to the department, as a vendor's scorecard is).
 */
import { Component, onWillStart, onWillUnmount, status, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { cookie } from "@web/core/browser/cookie";
import { getColor, hexToRGBA } from "@web/core/colors/colors";
import { formatCurrency } from "@web/core/currency";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { formatFloat, formatInteger } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const MODEL = "medsync.kpi.fact";

/** A KPI value as the card and the table show it. */
export function formatKpi(value, unit, currencyId, options = {}) {
    if (value === null || value === undefined || value === false) {
        return "—";
    }
    switch (unit) {
        case "amount":
            return formatCurrency(value, currencyId, options);
        case "percent":
            return `${formatFloat(value, { digits: [16, 1] })} %`;
        case "days":
            return _t("%s d", formatFloat(value, { digits: [16, 1] }));
        case "score":
            return formatFloat(value, { digits: [16, 1] });
        case "ratio":
            return `${formatFloat(value, { digits: [16, 1] })}×`;
        case "minutes":
            return value >= 120
                ? _t("%s h", formatFloat(value / 60, { digits: [16, 1] }))
                : _t("%s min", formatFloat(value, { digits: [16, 0] }));
        default:
            return formatInteger(Math.round(value), options);
    }
}

/** The 30-day trend of one KPI, clickable. */
export class MedsyncKpiTrend extends Component {
    static template = "medsync.KpiTrend";
    static props = { kpi: Object, currencyId: Number, index: Number, onOpen: Function };
    // onOpen(kpi, point): point is the index of the clicked point, or null (a click beside the points)

    setup() {
        this.canvasRef = useRef("canvas");
        this.chart = null;
        useEffect(
            () => {
                this.renderChart();
            },
            () => [this.props.kpi]
        );
        onWillUnmount(() => this.chart?.destroy());
    }

    renderChart() {
        this.chart?.destroy();
        const { kpi, currencyId } = this.props;
        const color = getColor(this.props.index, cookie.get("color_scheme"), "odoo");
        const points = kpi.trend;
        // Chart comes from the web.chartjs_lib bundle loaded by the dashboard
        this.chart = new Chart(this.canvasRef.el, {
            type: "line",
            data: {
                labels: points.map((p) => (kpi.period === "month" ? p.date.slice(0, 7) : p.date.slice(5))),
                datasets: [
                    {
                        data: points.map((p) => p.value),
                        borderColor: color,
                        backgroundColor: hexToRGBA(color, 0.15),
                        fill: true,
                        tension: 0.25,
                        spanGaps: true,
                        // the point shown in the card (the latest, or the month chosen) stands out
                        pointRadius: points.map((p) => (p.date === kpi.date ? 4 : 2)),
                        pointHitRadius: 8,
                    },
                ],
            },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                animation: false,
                plugins: {
                    legend: { display: false },
                    tooltip: {
                        callbacks: {
                            title: (items) => points[items[0].dataIndex].date,
                            label: (item) => formatKpi(item.raw, kpi.unit, currencyId),
                        },
                    },
                },
                scales: {
                    x: { ticks: { maxTicksLimit: 6, autoSkip: true }, grid: { display: false } },
                    y: {
                        beginAtZero: true,
                        suggestedMax: kpi.unit === "percent" || kpi.unit === "score" ? 100 : 1,
                        ticks: {
                            maxTicksLimit: 4,
                            precision: kpi.unit === "count" || kpi.unit === "minutes" ? 0 : undefined,
                            callback: (v) => formatKpi(v, kpi.unit, currencyId, { humanReadable: true }),
                        },
                    },
                },
                onClick: (ev, elements) => this.props.onOpen(kpi, elements.length ? elements[0].index : null),
                onHover: (ev, elements) => {
                    ev.native.target.style.cursor = kpi.action ? "pointer" : "default";
                },
            },
        });
    }
}

export class MedsyncDashboard extends Component {
    static template = "medsync.Dashboard";
    static components = { MedsyncKpiTrend };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.notification = useService("notification");
        const action = this.props.action || {};
        this.role = action.params?.role || action.context?.medsync_role || "ap";
        // a vendor's scorecard: the scorecard dashboard narrowed to one vendor
        this.vendorId = action.params?.vendor_id || action.context?.medsync_vendor_id || false;
        // back from the records a figure opened: the month and department chosen before (Odoo's local state)
        const kept = this.props.state || {};
        this.state = useState({
            data: null,
            refreshing: false,
            month: kept.month || null,
            department: kept.department ?? null,
        });
        useSetupAction({
            getLocalState: () => ({ month: this.state.month, department: this.state.department }),
        });
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            if (status(this) === "destroyed") {
                // left before the chart library came (a second click on the menu): no call for a dead screen
                return;
            }
            await this.load();
            if (this.state.data.stale && status(this) !== "destroyed") {
                // nothing computed today yet (first visit of the day before the hourly refresh)
                await this.refresh({ notify: false });
            }
        });
    }

    async load() {
        this.state.data = await this.orm.call(MODEL, "dashboard_data", [this.role], {
            vendor_id: this.vendorId || null,
            month: this.state.month,
            department: this.state.department,
        });
    }

    /** The month selector: the newest month first. */
    get months() {
        return [...(this.state.data.months || [])].reverse();
    }

    async selectMonth(ev) {
        this.state.month = ev.target.value || null;
        await this.load();
    }

    async selectDepartment(ev) {
        // "" is a department (none); all departments is the option without a value
        const option = ev.target.selectedOptions[0];
        this.state.department = option.dataset.all ? null : ev.target.value;
        await this.load();
    }

    /** A point of a trend: the records of that day or month (and department), asked for now. */
    async openPoint(kpi, index) {
        const point = index === null ? null : kpi.trend[index];
        if (!kpi.action || !point || point.date === kpi.date) {
            this.open(kpi.action);
            return;
        }
        const key = kpi.narrowed ? (this.vendorId ? String(this.vendorId) : this.state.data.department) : null;
        const action = await this.orm.call(MODEL, "kpi_action", [this.role, kpi.code, point.date], { key });
        this.open(action);
    }

    async printReview() {
        const action = await this.orm.call("res.partner", "action_medsync_scorecard_print", [[this.vendorId]]);
        await this.actionService.doAction(action);
    }

    async refresh({ notify = true } = {}) {
        this.state.refreshing = true;
        try {
            await this.orm.call(MODEL, "action_refresh", [this.role]);
            await this.load();
            if (notify) {
                this.notification.add(_t("Figures refreshed."), { type: "success" });
            }
        } finally {
            this.state.refreshing = false;
        }
    }

    async open(action) {
        if (action?.lazy) {
            // records found by the KPI's own query: asked when clicked, not on every page view
            action = await this.orm.call(MODEL, "kpi_action", [this.role, action.code, action.date], {
                key: action.key,
            });
        }
        if (action) {
            this.actionService.doAction(action);
        }
    }

    get departmentLabel() {
        const key = this.state.data.department;
        return (this.state.data.departments || []).find((d) => d.key === key)?.label || "";
    }

    get refreshedAt() {
        const at = this.state.data.refreshed_at;
        return at ? formatDateTime(deserializeDateTime(at)) : "";
    }

    format(value, unit, options = {}) {
        return formatKpi(value, unit, this.state.data.currency_id, options);
    }

    /** The line under a figure: its records and amount where the figure is neither, its month or day, and the
        department it is narrowed to. */
    detail(kpi) {
        const parts = [];
        if (kpi.unit !== "count") {
            parts.push(_t("%s record(s)", formatInteger(kpi.count)));
        }
        if (kpi.unit !== "amount" && kpi.amount) {
            parts.push(this.format(kpi.amount, "amount"));
        }
        if (kpi.period === "month" && kpi.date) {
            parts.push(kpi.date.slice(0, 7));
        } else if (kpi.date && kpi.date !== this.state.data.today) {
            parts.push(_t("as of %s", kpi.date));
        }
        if (!kpi.date) {
            parts.push(_t("no figure yet"));
        }
        if (kpi.narrowed && !this.state.data.vendor_id) {
            parts.push(this.departmentLabel);
        }
        return parts.join(" · ");
    }

    /** Whether the breakdown table has an amount column beside the figure. */
    showAmount(kpi) {
        return kpi.unit !== "amount" && kpi.breakdown.some((row) => row.amount);
    }
}

registry.category("actions").add("medsync.dashboard", MedsyncDashboard);
