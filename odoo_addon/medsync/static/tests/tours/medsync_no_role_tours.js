/** @odoo-module **/
/* Odoo users without any MedSync role (a purchasing assistant, an accountant) open and
   save a purchase order, a vendor bill and a receipt: nothing of MedSync is in their way. */
import { registry } from "@web/core/registry";
import { goTo, noError, noMedsync, openRow, save, screenshot, searchFor } from "./medsync_tour_utils";

const ORDERS = "/odoo/action-purchase.purchase_form_action";
const BILLS = "/odoo/action-account.action_move_in_invoice_type";
const TRANSFERS = "/odoo/action-stock.action_picking_tree_all";
// the sutures ordered from Nordic Surgical, billed before they arrived (demo data)
const PRODUCT = "Absorbable suture";

function append(suffix) {
    return async function (helpers) {
        await helpers.edit(`${this.anchor.value || ""} ${suffix}`.trim());
    };
}

function openOrder(who) {
    return [
        noMedsync("the purchase orders", { list: true }),
        ...searchFor(PRODUCT, "Product"),
        ...openRow("Nordic Surgical", { only: true }),
        noMedsync("the purchase order"),
        {
            content: "note the vendor's order reference",
            trigger: ".o_form_view .o_field_widget[name=partner_ref] input",
            run: append(`(${who})`),
        },
        ...save(),
        noError("the saved purchase order"),
    ];
}

function openBill(who) {
    return [
        noMedsync("the vendor bill"),
        {
            content: "the bill's payment hold is explained to everyone who opens it",
            trigger: ".o_form_view .alert-danger:contains(MedSync payment hold)",
        },
        {
            content: "set the payment reference",
            trigger: ".o_form_view .o_field_widget[name=payment_reference] input",
            run: append(`(${who})`),
        },
        ...save(),
        noError("the saved bill"),
    ];
}

function openReceipt(who) {
    return [
        goTo(TRANSFERS, "open the transfers"),
        // a receipt of a product without lots: Odoo itself shows lots on a receipt only to inventory users;
        // the vendor's, as a year of receipts of the other vendors comes first
        ...searchFor("Wood Corner", "Contact"),
        ...openRow(["WH/IN/", "Wood Corner", "Ready"]),
        {
            content: "it is a receipt waiting to be validated",
            trigger: ".o_form_view .o_form_statusbar .o_arrow_button_current:contains(Ready)",
        },
        noMedsync("the receipt"),
        {
            content: "note the source document",
            trigger: ".o_form_view .o_field_widget[name=origin] input",
            run: append(`(${who})`),
        },
        ...save(),
        noError("the saved receipt"),
    ];
}

registry.category("web_tour.tours").add("medsync_purchaser_tour", {
    url: ORDERS,
    steps: () => [
        ...openOrder("purchaser"),
        {
            content: "open the order's bill",
            trigger: ".o_form_view button[name=action_view_invoice]",
            run: "click",
        },
        {
            content: "the bill is open",
            trigger: ".o_form_view .o_field_widget[name=ref] input:value(NS-5521)",
        },
        ...openBill("purchaser"),
        ...openReceipt("purchaser"),
        screenshot("purchaser_receipt"),
    ],
});

registry.category("web_tour.tours").add("medsync_accountant_tour", {
    url: BILLS,
    steps: () => [
        noMedsync("the vendor bills", { list: true }),
        ...searchFor("NS-5521"),
        ...openRow("NS-5521", { only: true }),
        ...openBill("accountant"),
        screenshot("accountant_bill"),
        goTo(ORDERS, "open the purchase orders"),
        ...openOrder("accountant"),
        ...openReceipt("accountant"),
    ],
});
