//! The versioned schemas of the documents the hub accepts (version 1).
//!
//! A schema is a list of fields; each field has a kind that says how its JSON
//! value is checked and normalised. Document-level rules (a backorder needs a
//! date, an invoice total must add up...) live in `rules.rs`.

/// Sign rule of a decimal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// strictly greater than zero
    Positive,
    /// zero or more
    NonNegative,
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string, trimmed of spaces, at most this many characters.
    Text(usize),
    /// A JSON integer within bounds (inclusive).
    Int(i64, i64),
    /// A decimal given as a JSON number or a string: sign rule, most integer
    /// digits, most fraction digits.
    Dec(Sign, u32, u32),
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 with a `Z` or `±HH:MM` offset; normalised to UTC seconds.
    DateTime,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// ISO 4217 code: three capital letters.
    Currency,
    /// ISO 3166 alpha-2 code: two capital letters.
    Country,
    /// GS1 Serial Shipping Container Code: 18 digits with its check digit.
    Sscc,
    /// US National Provider Identifier: 10 digits starting with 1 or 2, Luhn
    /// checked over `80840` and the number.
    Npi,
    /// DEA registration: registrant type, a letter or 9, seven digits with
    /// their check digit.
    Dea,
    /// SAM.gov Unique Entity ID: 12 capital letters (not I or O) and digits,
    /// not starting with 0.
    Uei,
    /// A file as standard base64 (RFC 4648, padded, no line breaks) of at
    /// most this many bytes once decoded.
    Base64(usize),
    /// A list of objects: at least one, at most `max`. An optional list may
    /// be empty, which is the same as absent (as an optional empty string).
    List(&'static [Field], usize),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

const CODE: Kind = Kind::Text(64);
const NOTE: Kind = Kind::Text(256);
const LINE_NO: Kind = Kind::Int(1, 99_999);
const QTY_POS: Kind = Kind::Dec(Sign::Positive, 9, 4);
const QTY: Kind = Kind::Dec(Sign::NonNegative, 9, 4);
const PRICE: Kind = Kind::Dec(Sign::NonNegative, 9, 4);
const AMOUNT_POS: Kind = Kind::Dec(Sign::Positive, 12, 2);
const AMOUNT: Kind = Kind::Dec(Sign::NonNegative, 12, 2);
const PCT: Kind = Kind::Dec(Sign::NonNegative, 3, 4);
const MAX_LINES: usize = 5_000;
pub const MAX_SNAPSHOT_ROWS: usize = 200_000;

pub const ACK_STATUSES: &[&str] = &["accepted", "backordered", "substituted", "rejected"];
pub const PAYMENT_STATUSES: &[&str] = &["paid", "failed", "reversed"];
pub const CODE_KINDS: &[&str] = &["ref", "vendor", "gtin", "gs1", "hibc"];
pub const SCOPES: &[&str] = &["full", "partial"];
pub const PRINCIPAL_ROLES: &[&str] = &["owner", "officer", "both"];
pub const CREDENTIAL_STATUSES: &[&str] = &["submitted", "valid", "expired", "rejected", "revoked"];
/// Largest credential document, decoded: 2 MiB, the hub's default body
/// limit per system (a portal that sends documents gets a larger one).
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;
const MAX_PRINCIPALS: usize = 100;
const MAX_CREDENTIALS: usize = 50;

const PO_ACK_LINE: &[Field] = &[
    req("line_no", LINE_NO),
    req("product", CODE),
    req("status", Kind::Enum(ACK_STATUSES)),
    req("qty", QTY),
    opt("price", PRICE),
    opt("backorder_date", Kind::Date),
    opt("delivery_date", Kind::Date),
    opt("substitute_product", CODE),
    opt("reason", NOTE),
];
const PO_ACK: &[Field] = &[
    req("po", CODE),
    opt("vendor_ref", CODE),
    opt("ack_date", Kind::Date),
    req("lines", Kind::List(PO_ACK_LINE, MAX_LINES)),
];

const ASN_LINE: &[Field] = &[
    opt("line_no", LINE_NO),
    req("product", CODE),
    req("qty", QTY_POS),
    opt("uom", Kind::Text(32)),
    opt("lot", CODE),
    opt("expiry", Kind::Date),
    opt("serial", CODE),
    opt("sscc", Kind::Sscc),
];
const ASN: &[Field] = &[
    req("asn", CODE),
    req("po", CODE),
    req("ship_date", Kind::Date),
    opt("carrier", CODE),
    opt("tracking", CODE),
    req("lines", Kind::List(ASN_LINE, MAX_LINES)),
];

const INVOICE_LINE: &[Field] = &[
    opt("line_no", LINE_NO),
    req("product", CODE),
    opt("description", NOTE),
    req("qty", QTY_POS),
    req("price", PRICE),
    opt("tax_pct", PCT),
    opt("uom", Kind::Text(32)),
];
pub const CHARGE_KINDS: &[&str] = &["charge", "allowance"];
const MAX_CHARGES: usize = 100;
/// An X12 SAC: a charge (freight, handling) or an allowance (a discount).
const INVOICE_CHARGE: &[Field] = &[
    req("kind", Kind::Enum(CHARGE_KINDS)),
    req("code", CODE),
    req("amount", AMOUNT),
    opt("description", NOTE),
];
const DAYS: Kind = Kind::Int(0, 999);
/// Payment terms (X12 ITD) are flat `terms_*` fields: a schema field is a
/// value or a list of objects, never a nested object.
const INVOICE: &[Field] = &[
    req("invoice", CODE),
    req("po", CODE),
    req("invoice_date", Kind::Date),
    opt("due_date", Kind::Date),
    req("currency", Kind::Currency),
    opt("total", AMOUNT),
    req("lines", Kind::List(INVOICE_LINE, MAX_LINES)),
    opt("charges", Kind::List(INVOICE_CHARGE, MAX_CHARGES)),
    opt("terms_discount_pct", PCT),
    opt("terms_discount_days", DAYS),
    opt("terms_discount_due", Kind::Date),
    opt("terms_net_days", DAYS),
    opt("terms_net_due", Kind::Date),
];

const PRICE_LINE: &[Field] = &[
    req("product", CODE),
    opt("description", NOTE),
    req("price", PRICE),
    opt("uom", Kind::Text(32)),
    opt("min_qty", QTY),
    opt("tier", CODE),
    opt("contract", CODE),
    opt("date_start", Kind::Date),
    opt("date_end", Kind::Date),
];
/// A supplier's price catalogue (X12 832).
const PRICE_CATALOG: &[Field] = &[
    req("catalog", CODE),
    opt("contract", CODE),
    req("currency", Kind::Currency),
    opt("effective_date", Kind::Date),
    opt("expiry_date", Kind::Date),
    req("lines", Kind::List(PRICE_LINE, MAX_CATALOG_LINES)),
];
pub const MAX_CATALOG_LINES: usize = 50_000;

const PAYMENT: &[Field] = &[
    req("bill", CODE),
    req("status", Kind::Enum(PAYMENT_STATUSES)),
    req("amount", AMOUNT_POS),
    req("currency", Kind::Currency),
    req("date", Kind::Date),
    req("payment_ref", CODE),
    opt("reason", NOTE),
];

const SNAPSHOT_ROW: &[Field] = &[
    req("location", CODE),
    req("product", CODE),
    opt("kind", Kind::Enum(CODE_KINDS)),
    opt("lot", CODE),
    opt("expiry", Kind::Date),
    req("qty", QTY),
    opt("unit", Kind::Text(32)),
];
const SNAPSHOT: &[Field] = &[
    req("source", CODE),
    req("as_of", Kind::DateTime),
    req("scope", Kind::Enum(SCOPES)),
    req("rows", Kind::List(SNAPSHOT_ROW, MAX_SNAPSHOT_ROWS)),
];

pub const CONSUMPTION_KINDS: &[&str] = &["issue", "return", "waste", "restock"];
pub const MAX_CONSUMPTION_EVENTS: usize = 50_000;

/// A supply cabinet's usage events (the cabinet is the document's);
/// `charge_ref` is already a keyed hash, opaque.
const CONSUMPTION_EVENT: &[Field] = &[
    req("event_id", CODE),
    req("time", Kind::DateTime),
    req("product", CODE),
    opt("code_kind", Kind::Enum(CODE_KINDS)),
    opt("lot", CODE),
    opt("expiry", Kind::Date),
    req("qty", QTY_POS),
    opt("unit", Kind::Text(32)),
    req("kind", Kind::Enum(CONSUMPTION_KINDS)),
    opt("department", CODE),
    opt("charge_ref", CODE),
];
const CONSUMPTION: &[Field] = &[
    req("cabinet", CODE),
    opt("batch_id", CODE),
    req(
        "events",
        Kind::List(CONSUMPTION_EVENT, MAX_CONSUMPTION_EVENTS),
    ),
];

/// A cabinet's par levels per product (max at least min: `rules.rs`).
const PAR_LEVEL: &[Field] = &[
    req("product", CODE),
    opt("code_kind", Kind::Enum(CODE_KINDS)),
    req("min", QTY),
    req("max", QTY),
];
const PAR_LEVELS: &[Field] = &[
    req("cabinet", CODE),
    req("levels", Kind::List(PAR_LEVEL, MAX_LINES)),
];

const VENDOR: &[Field] = &[
    req("vendor", CODE),
    opt("name", Kind::Text(128)),
    opt("tax_id", Kind::Text(32)),
    opt("email", Kind::Text(128)),
    opt("phone", Kind::Text(32)),
    opt("street", Kind::Text(128)),
    opt("city", CODE),
    opt("zip", Kind::Text(16)),
    opt("country", Kind::Country),
    opt("bank_account", CODE),
];

const NAME: Kind = Kind::Text(128);
const OWNERSHIP: Kind = Kind::Dec(Sign::NonNegative, 3, 2);

const PRINCIPAL: &[Field] = &[
    req("name", NAME),
    opt("role", Kind::Enum(PRINCIPAL_ROLES)),
    opt("ownership_pct", OWNERSHIP),
];
const CREDENTIAL: &[Field] = &[
    req("requirement", CODE),
    opt("number", CODE),
    opt("issuer", NAME),
    opt("valid_from", Kind::Date),
    opt("valid_until", Kind::Date),
    opt("coverage", AMOUNT),
    opt("document_name", NAME),
    opt("document", Kind::Base64(MAX_DOCUMENT_BYTES)),
];
const ONBOARDING: &[Field] = &[
    req("vendor", CODE),
    req("name", NAME),
    opt("tax_id", Kind::Text(32)),
    opt("street", NAME),
    opt("city", CODE),
    opt("state", CODE),
    opt("zip", Kind::Text(16)),
    opt("country", Kind::Country),
    opt("email", NAME),
    opt("phone", Kind::Text(32)),
    opt("npi", Kind::Npi),
    opt("uei", Kind::Uei),
    opt("dea", Kind::Dea),
    req("category", CODE),
    opt("principals", Kind::List(PRINCIPAL, MAX_PRINCIPALS)),
    opt("credentials", Kind::List(CREDENTIAL, MAX_CREDENTIALS)),
];

const CREDENTIAL_STATUS: &[Field] = &[
    req("vendor", CODE),
    req("requirement", CODE),
    req("status", Kind::Enum(CREDENTIAL_STATUSES)),
    opt("number", CODE),
    opt("issuer", NAME),
    opt("valid_from", Kind::Date),
    opt("valid_until", Kind::Date),
    opt("coverage", AMOUNT),
    opt("checked_at", Kind::DateTime),
    opt("note", NOTE),
];

pub const BILLING_SIDES: &[&str] = &["debit", "credit"];
pub const BILLING_KINDS: &[&str] = &["original", "adjustment", "reversal"];
pub const BILLING_TOTAL_KINDS: &[&str] = &["department", "code"];
pub const MAX_BILLING_LINES: usize = 200_000;
/// An amount of any currency: the billing engine checks the currency's own
/// decimals (0 for JPY, 3 for KWD).
const BILLING_AMOUNT_POS: Kind = Kind::Dec(Sign::Positive, 13, 4);
const BILLING_AMOUNT: Kind = Kind::Dec(Sign::NonNegative, 15, 4);

/// A billing line carries no patient data: no name, record number, birth
/// date or address field exists, and the references that could point at a
/// patient (payer, encounter) are replaced by keyed hashes before the
/// document is stored.
const BILLING_LINE: &[Field] = &[
    req("line_id", CODE),
    req("code", CODE),
    opt("department", CODE),
    opt("payer_class", CODE),
    opt("facility", CODE),
    req("amount", BILLING_AMOUNT_POS),
    req("side", Kind::Enum(BILLING_SIDES)),
    req("service_date", Kind::Date),
    opt("payer_ref", CODE),
    opt("encounter_ref", CODE),
];
const BILLING_TOTAL: &[Field] = &[
    req("kind", Kind::Enum(BILLING_TOTAL_KINDS)),
    req("key", CODE),
    req("debit", BILLING_AMOUNT),
    req("credit", BILLING_AMOUNT),
];
const BILLING_BATCH: &[Field] = &[
    req("batch_id", CODE),
    req("source", CODE),
    req("business_date", Kind::Date),
    req("currency", Kind::Currency),
    opt("kind", Kind::Enum(BILLING_KINDS)),
    opt("original", CODE),
    req("record_count", Kind::Int(0, MAX_BILLING_LINES as i64)),
    req("total_debit", BILLING_AMOUNT),
    req("total_credit", BILLING_AMOUNT),
    opt("totals", Kind::List(BILLING_TOTAL, 10_000)),
    opt("lines", Kind::List(BILLING_LINE, MAX_BILLING_LINES)),
];

const DAILY_TOTAL_ROW: &[Field] = &[
    opt("department", CODE),
    req("account", CODE),
    req("debit", BILLING_AMOUNT),
    req("credit", BILLING_AMOUNT),
];
const DAILY_TOTALS: &[Field] = &[
    req("source", CODE),
    req("business_date", Kind::Date),
    req("currency", Kind::Currency),
    req("rows", Kind::List(DAILY_TOTAL_ROW, 50_000)),
];

/// Document types and the schema of each supported version.
pub const DOCUMENTS: &[(&str, u32, &[Field])] = &[
    ("po_ack", 1, PO_ACK),
    ("asn", 1, ASN),
    ("invoice", 1, INVOICE),
    ("price_catalog", 1, PRICE_CATALOG),
    ("payment_status", 1, PAYMENT),
    ("stock_snapshot", 1, SNAPSHOT),
    ("consumption", 1, CONSUMPTION),
    ("par_levels", 1, PAR_LEVELS),
    ("vendor_update", 1, VENDOR),
    ("vendor_onboarding", 1, ONBOARDING),
    ("vendor_credential", 1, CREDENTIAL_STATUS),
    ("billing_batch", 1, BILLING_BATCH),
    ("billing_daily_totals", 1, DAILY_TOTALS),
];

pub fn schema(doc_type: &str, version: u32) -> Option<&'static [Field]> {
    DOCUMENTS
        .iter()
        .find(|(t, v, _)| *t == doc_type && *v == version)
        .map(|(_, _, f)| *f)
}
