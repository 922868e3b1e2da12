/** @odoo-module **/
/* Compliance officer (no e-mail address): reviews the screening hits of the monthly run, clears a
   name-only hit with a reason, then finds that a vendor still onboarding cannot be approved while its
   licence is missing. */
import { registry } from "@web/core/registry";
import { goTo, noError, openRow, screenshot, wizard } from "./medsync_tour_utils";

registry.category("web_tour.tours").add("medsync_compliance_tour", {
    url: "/odoo/action-medsync.medsync_screening_hit_action",
    steps: () => [
        {
            content: "the strong hit on Summit is listed first, to review",
            trigger: ".o_list_view .o_data_row:first:contains(Summit Orthopedic Implants):contains(Strong)",
        },
        {
            content: "the weak hit on Keystone's owner is listed too",
            trigger: ".o_list_view .o_data_row:contains(Robert T. Hale):contains(Weak)",
        },
        screenshot("compliance_hits_to_review"),
        ...openRow("Robert T. Hale"),
        {
            content: "the evidence says what agreed",
            trigger: ".o_form_view .o_field_widget[name=evidence]:contains(name)",
        },
        {
            content: "the list file and its line are kept",
            trigger: ".o_form_view .o_field_widget[name=row]:contains(3)",
        },
        {
            content: "clear the hit",
            trigger: ".o_form_view .o_form_statusbar button[name=action_clear]",
            run: "click",
        },
        ...wizard("Another Robert Hale: different middle name and state, NPI registry checked", {
            button: "action_apply",
        }),
        {
            content: "the hit is cleared",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Cleared)",
        },
        screenshot("compliance_hit_cleared"),
        goTo("/odoo/action-medsync.medsync_compliance_vendor_action", "vendors to review"),
        ...openRow("Harbor Compounding Pharmacy"),
        {
            content: "open the Compliance tab",
            trigger: ".o_form_view a.nav-link[name=medsync_compliance]",
            run: "click",
        },
        {
            content: "the credentials show what was submitted and what is missing",
            trigger: ".o_field_widget[name=medsync_credential_ids] .o_data_row:contains(Submitted)",
        },
        {
            content: "the missing requirements are listed",
            trigger: ".o_form_view .o_field_widget[name=medsync_compliance_missing]:contains(licence)",
        },
        screenshot("compliance_vendor_onboarding"),
        {
            content: "try to approve",
            trigger: ".o_form_view button[name=action_medsync_compliance_decide]:contains(Approve)",
            run: "click",
        },
        {
            content: "say why",
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Documents look complete",
        },
        {
            content: "decide",
            trigger: ".modal .modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "refused: the licence is missing",
            trigger: ".modal .o_error_dialog:contains(cannot be approved yet):contains(licence)",
        },
        screenshot("compliance_approval_refused"),
        {
            content: "close the message",
            trigger: ".modal .o_error_dialog .modal-footer .btn-primary",
            run: "click",
        },
    ],
});
