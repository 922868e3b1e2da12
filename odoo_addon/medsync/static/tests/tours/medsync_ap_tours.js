/** @odoo-module **/
/* Accounts payable: the clerk matches a bill and cannot pay it while it is held;
   the manager (who has no e-mail address) releases a hold with a reason. */
import { registry } from "@web/core/registry";
import { clickButton, clickThenReloaded, noError, openRow, screenshot, wizard } from "./medsync_tour_utils";

const ON_HOLD = "/odoo/action-medsync.account_move_action_on_hold";

registry.category("web_tour.tours").add("medsync_ap_clerk_tour", {
    url: ON_HOLD,
    steps: () => [
        {
            content: "Bills on hold lists the Cardinal Health bill",
            trigger: ".o_list_view .o_data_row:contains(CH-77812)",
        },
        ...openRow("CH-77812"),
        ...clickThenReloaded("action_medsync_match", "Match the bill"),
        {
            content: "the match says the bill is held",
            trigger: ".o_notification:contains(Matched 1 bill):contains(1 on hold)",
        },
        {
            content: "the hold banner says why",
            trigger: ".o_form_view .alert-danger:contains(MedSync payment hold):contains(Price above contract)",
        },
        {
            content: "Pay is not offered on a held bill",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_register_payment]))",
        },
        {
            content: "open the Match tab",
            trigger: ".o_form_view a.nav-link[name=medsync_match]",
            run: "click",
        },
        {
            content: "the match state is On hold",
            trigger: ".o_form_view .o_field_widget[name=medsync_match_state]:contains(On hold)",
        },
        {
            content: "the held line is shown with its variance",
            trigger: ".o_field_widget[name=medsync_match_result_ids] .o_data_row.text-danger td[name*=variance]",
            run() {
                const cells = [...this.anchor.closest(".o_data_row").querySelectorAll("td[name*=variance]")];
                const amounts = cells.map((td) => parseFloat(td.textContent.replace(/[^0-9.-]/g, "")) || 0);
                if (!amounts.some((amount) => amount > 0)) {
                    throw new Error(`the held line shows no variance: ${cells.map((td) => td.textContent)}`);
                }
            },
        },
        {
            content: "the line says why",
            trigger: ".o_field_widget[name=medsync_match_result_ids] .o_data_row.text-danger td[name=explanation]:contains(price)",
        },
        screenshot("ap_clerk_bill_on_hold"),
        {
            content: "back to the bills on hold",
            trigger: ".o_control_panel .breadcrumb-item a",
            run: "click",
        },
        {
            content: "select the held bill",
            trigger: ".o_list_view .o_data_row:contains(CH-77812) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "try to pay it from the list",
            trigger: ".o_control_panel button[name=action_force_register_payment], .o_list_view button[name=action_force_register_payment]",
            run: "click",
        },
        {
            content: "the payment wizard refuses the held bill",
            trigger: ".modal .o_error_dialog:contains(MedSync payment hold):contains(CH-77812)",
        },
        screenshot("ap_clerk_payment_refused"),
        {
            content: "close the message",
            trigger: ".modal .o_error_dialog .modal-footer .btn-primary",
            run: "click",
        },
        noError("after the refusal"),
        {
            content: "no payment wizard opened",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("medsync_ap_manager_tour", {
    url: ON_HOLD,
    steps: () => [
        ...openRow("ML-2026-1187"),
        {
            content: "the bill is held: billed more than was received",
            trigger: ".o_form_view .alert-danger:contains(MedSync payment hold):contains(Over-billed)",
        },
        clickButton("action_medsync_release_hold", "Release the hold"),
        ...wizard("MedLine confirmed by phone: the 80 missing gauze packs ship on Friday; pay now."),
        {
            content: "the bill says who released it and why",
            trigger:
                ".o_form_view .alert-warning:contains(Hold released):contains(Maria Castellanos):contains(ship on Friday)",
        },
        {
            content: "the release is in the bill's chatter",
            trigger:
                ".o-mail-Chatter .o-mail-Message:contains(released by Maria Castellanos):contains(ship on Friday)",
        },
        {
            content: "open the Match tab",
            trigger: ".o_form_view a.nav-link[name=medsync_match]",
            run: "click",
        },
        {
            content: "the match state is Hold released",
            trigger: ".o_form_view .o_field_widget[name=medsync_match_state]:contains(Hold released)",
        },
        screenshot("ap_manager_hold_released"),
        clickButton("action_register_payment", "Pay is offered again"),
        {
            content: "the payment wizard opens",
            trigger: ".modal .o_form_view .o_field_widget[name=journal_id]",
        },
        {
            content: "close it without paying",
            trigger: ".modal .modal-footer button.btn-secondary",
            run: "click",
        },
        {
            content: "closed",
            trigger: "body:not(:has(.modal))",
        },
        noError("after the release"),
    ],
});
