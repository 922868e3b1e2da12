/** @odoo-module **/
/* Integration admin: opens MedLine's X12 trading partner, reads its profile, and follows
   its interchanges: the 850 sent (997 awaited) and the 855, 856, 810 and 832 received,
   each with the messages its sets became. */
import { registry } from "@web/core/registry";
import { noError, openRow, screenshot } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_x12_tour", {
    url: "/odoo/action-medsync.action_medsync_system",
    steps: () => [
        ...openRow("MedLine via GHX (X12)"),
        {
            content: "open the X12 profile",
            trigger: ".o_notebook .nav-link:contains(X12)",
            run: "click",
        },
        {
            content: "the partner's interchange id and the 997 it wants",
            trigger: ".o_field_widget[name=x12_partner_id] input:value(MEDLINEGHX)",
        },
        {
            content: "its acknowledgements: 997",
            trigger: ".o_field_widget[name=x12_ack_kind] select:has(option:selected:contains(997))",
        },
        screenshot("x12_profile"),
        {
            content: "open its interchanges",
            trigger: ".o_form_view button[name=action_open_x12]",
            run: "click",
        },
        {
            content: "the 850 sent, waiting for its 997",
            trigger: ".o_list_view .o_data_row:contains(Sent):contains(Waiting)",
        },
        {
            content: "four received, accepted",
            trigger: ".o_list_view:has(.o_data_row:contains(Received):contains(Accepted):eq(3))",
        },
        screenshot("x12_interchanges"),
        ...openRow("004104"),
        {
            content: "the 832 became a price catalogue message",
            trigger: ".o_form_view .o_field_widget[name=message_ids] .o_data_row:contains(price_catalog)",
        },
        {
            content: "its acknowledgement is kept beside it",
            trigger: ".o_form_view .o_field_widget[name=ack_attachment_id]:contains(x12-ack)",
        },
        screenshot("x12_interchange"),
        noError("on the interchange"),
    ],
});
