/** @odoo-module **/
/* Steps shared by MedSync's role tours (tests/test_tours.py starts them).
   Steps find records by what a user reads (a vendor, a bill reference), and
   buttons and fields by their technical names, which survive layout changes. */

/** Save the screen as <name>.png: tests/test_tours.py watches for this signal. */
export function screenshot(name) {
    return {
        content: `screenshot ${name}`,
        trigger: "body:not(:has(.o_loading_indicator))",
        async run() {
            console.log(`medsync-screenshot:${name}`);
            // the capture is asked for when the signal arrives; leave it time to happen
            await new Promise((resolve) => setTimeout(resolve, 500));
        },
    };
}

/** Type in the search box and pick the autocomplete line of `label` (a field's name). */
export function searchFor(text, label) {
    return [
        {
            content: `search ${label || ""} ${text}`,
            trigger: ".o_control_panel .o_searchview_input",
            run: `edit ${text}`,
        },
        {
            content: `search in ${label}`,
            trigger: label
                ? `.o_searchview_autocomplete .o_menu_item:contains(${label})`
                : ".o_searchview_autocomplete .o_menu_item:first",
            run: "click",
        },
    ];
}

/** Open the row of the list view that shows `text`; with `only`, once the list shows that row alone
    (after a search: the list reloads a moment after the search facet appears). */
export function openRow(text, { only = false } = {}) {
    const texts = Array.isArray(text) ? text : [text];
    const row = `.o_list_view .o_data_row${texts.map((t) => `:contains(${t})`).join("")}`;
    return [
        ...(only
            ? [{ content: `the list shows one row: ${texts}`, trigger: ".o_list_view .o_data_row:only" }]
            : []),
        {
            content: `open the row of ${texts}`,
            trigger: `${row} .o_data_cell:not(.o_list_record_selector)`,
            run: "click",
        },
        {
            content: "the form is open",
            trigger: ".o_form_view .o_form_sheet",
        },
    ];
}

/** Click a button whose action ends by reloading the screen (a notification, then a soft reload),
    and wait for the reloaded screen: steps against the old one would act on what disappears. */
export function clickThenReloaded(name, description) {
    return [
        {
            content: "mark the screen before the reload",
            trigger: ".o_form_view .o_form_sheet",
            run() {
                this.anchor.closest(".o_form_view").dataset.medsyncStale = "1";
            },
        },
        clickButton(name, description),
        {
            content: "the screen reloaded",
            trigger: ".o_form_view:not([data-medsync-stale]) .o_form_sheet",
        },
    ];
}

/** Click a header button of the form by its method name. */
export function clickButton(name, description) {
    return {
        content: description || `click ${name}`,
        trigger: `.o_form_view .o_form_statusbar button[name=${name}]:enabled, .o_form_view button[name=${name}]:enabled`,
        run: "click",
    };
}

/** Fill the reason of a wizard (textarea `field`) and confirm it with button `button`. */
export function wizard(note, { field = "note", button = "action_confirm" } = {}) {
    return [
        {
            content: "say why",
            trigger: `.modal .o_field_widget[name=${field}] textarea, .modal .o_field_widget[name=${field}] input`,
            run: `edit ${note}`,
        },
        {
            content: "confirm",
            trigger: `.modal .modal-footer button[name=${button}]`,
            run: "click",
        },
        {
            content: "the dialog closed",
            trigger: "body:not(:has(.modal))",
        },
    ];
}

/** Answer Ok to a button's confirmation question. */
export function confirmDialog() {
    return [
        {
            content: "confirm the question",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "the question closed",
            trigger: "body:not(:has(.modal))",
        },
    ];
}

/** Save the form and wait until it is saved. */
export function save() {
    return [
        {
            content: "save",
            trigger: ".o_form_view .o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ];
}

/** The form (or list) shows nothing of MedSync but its payment-hold banner (which everyone who opens a
    bill sees). */
export function noMedsync(what, { list = false } = {}) {
    return {
        content: `${what}: no MedSync field, column, tab or button`,
        trigger: list ? ".o_list_view .o_list_table" : ".o_form_view .o_form_sheet",
        run() {
            const view = this.anchor.closest(list ? ".o_list_view" : ".o_form_view");
            const shown = [...view.querySelectorAll("[name*=medsync], [data-name*=medsync]")].filter(
                (el) => !el.closest(".alert")
            );
            if (shown.length) {
                const names = shown.map((el) => el.getAttribute("name")).join(", ");
                throw new Error(`MedSync shows on ${what} for a user without a MedSync role: ${names}`);
            }
        },
    };
}

/** No error dialog is open. */
export function noError(what) {
    return {
        content: `${what}: no error`,
        trigger: "body:not(:has(.o_error_dialog))",
    };
}

/** Leave the web client for another screen by its address (a bookmark, a link in a mail). */
export function goTo(path, description) {
    return {
        content: description || `go to ${path}`,
        trigger: "body",
        run: `goToUrl ${path}`,
        expectUnloadPage: true,
    };
}
