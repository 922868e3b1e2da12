/** @odoo-module **/
/* Integration admin: issues an API key for the MedLine portal (shown once), uses it
   as the portal would, and finds the message in the system's messages. */
import { registry } from "@web/core/registry";
import { clickButton, noError, openRow, screenshot } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_integration_tour", {
    url: "/odoo/action-medsync.action_medsync_system",
    steps: () => [
        ...openRow("MedLine supplier portal"),
        clickButton("action_new_key", "New API key"),
        {
            content: "generate it",
            trigger: ".modal .modal-footer button[name=action_generate]",
            run: "click",
        },
        {
            content: "the key is shown once",
            trigger: ".modal .alert-warning:contains(shown once)",
        },
        screenshot("integration_key_shown_once"),
        {
            content: "the portal sends a vendor update with the key",
            trigger: ".modal .o_field_widget[name=key]:not(:empty)",
            async run() {
                const key = this.anchor.textContent.trim();
                if (key.length < 20) {
                    throw new Error(`no key on screen: "${key}"`);
                }
                const response = await fetch("/medsync/api/v1/medline/vendor_update", {
                    method: "POST",
                    headers: {
                        Authorization: `Bearer ${key}`,
                        "Content-Type": "application/json",
                        "Idempotency-Key": "tour-vendor-update-1",
                    },
                    body: JSON.stringify({ vendor: "V-MEDLINE", phone: "+1 312 555 0142" }),
                });
                if (response.status !== 202) {
                    throw new Error(`the API refused the new key: ${response.status} ${await response.text()}`);
                }
            },
        },
        {
            content: "done",
            trigger: ".modal .modal-footer button[data-hotkey=x]",
            run: "click",
        },
        {
            content: "the system now has a key to revoke",
            trigger: ".o_form_view .o_form_statusbar button[name=action_revoke_keys]",
        },
        {
            content: "open the system's messages",
            trigger: ".o_form_view button[name=action_open_messages]",
            run: "click",
        },
        {
            content: "the vendor update is there",
            trigger: ".o_list_view .o_data_row:contains(MedLine supplier portal)",
        },
        screenshot("integration_messages"),
        noError("on the messages"),
    ],
});
