//! `/billing`: a patient's bills and what they owe; the desk's invoices, filtered, and its
//! new-invoice form. `/billing/{id}`: one invoice with its lines and money, the patient's
//! pay-online form and the desk's payment, refund, credit-note, issue and void forms.
//! `/receipts/{id}`: a printable receipt with its PDF. Every form posts without JavaScript too.

use super::api::{
    get_invoice, get_receipt, load_bills, outstanding_bills, AddPolicy, ChangeInvoice, CreateInvoice, CreditInvoice, InvoiceSheet,
    PayInvoice, RefundInvoice, SubmitClaim, UpdateClaim,
};
use super::claims::{Claim, ClaimStatus, Policy};
use super::{Invoice, InvoicePage, InvoiceStatus, Outstanding, PaymentKind, PaymentMethod, Receipt};
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::money::Money;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

lazy_page!(
    /// Bills and the desk's invoices: [`BillingPage`] in a WASM chunk of its own.
    pub BillingRoute => BillingPage, chunk = page_billing
);

lazy_page!(
    /// One invoice: [`InvoicePage`] in a WASM chunk of its own.
    pub InvoiceRoute => InvoiceDetailPage, chunk = page_invoice
);

lazy_page!(
    /// A printable receipt: [`ReceiptPage`] in a WASM chunk of its own.
    pub ReceiptRoute => ReceiptPage, chunk = page_receipt
);

type InvoiceLoader = Resource<Option<Result<InvoiceSheet, ApiError>>>;

/// Who has billing pages: patients (their own), the desk and admins.
const BILLING_ROLES: &[Role] = &[Role::Patient, Role::Staff, Role::Admin];

fn is_desk(role: Role) -> bool {
    matches!(role, Role::Staff | Role::Admin)
}

fn money(cents: i64, currency: &str) -> String {
    Money::new(cents, currency).to_string()
}

/// The status badge's class.
fn badge(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Paid => "badge ok",
        InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid => "badge warn",
        InvoiceStatus::Draft | InvoiceStatus::Void => "badge",
    }
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").filter(|s| !s.is_empty());
    let patient = move || query.read().get("patient").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok());
    let create = ServerAction::<CreateInvoice>::new();
    let bills = page_resource(
        BILLING_ROLES,
        move || (status(), patient(), page(), create.version().get()),
        |(status, patient, page, _)| load_bills(status, crate::patients::parse_patient_reference(&patient), page),
    );
    view! {
        <Title text="Bills"/>
        <RequireUser roles=BILLING_ROLES>
            <BillingView bills=bills create=create status=Signal::derive(status) patient=Signal::derive(patient)/>
        </RequireUser>
    }
}

#[component]
fn BillingView(
    bills: Resource<Option<Result<InvoicePage, ApiError>>>,
    create: ServerAction<CreateInvoice>,
    status: Signal<Option<String>>,
    patient: Signal<String>,
) -> impl IntoView {
    let role = use_user().role;
    let desk = is_desk(role);
    view! {
        <section class="page-head">
            <h1>{if desk { "Billing" } else { "Bills and payments" }}</h1>
        </section>
        <form method="get" action="/billing" class="filters card" role="search" aria-label="Filter bills">
            <div class="field"><label for="bill-status">"Show"</label>
                <select id="bill-status" name="status">
                    {[("", "All bills"), ("outstanding", "To pay"), ("paid", "Paid"), ("draft", "Drafts"), ("void", "Void")]
                        .into_iter()
                        .filter(|(value, _)| desk || *value != "draft")
                        .map(|(value, label)| view! { <option value=value selected=move || status.get().as_deref().unwrap_or("") == value>{label}</option> })
                        .collect_view()}
                </select></div>
            {desk.then(|| view! {
                <div class="field"><label for="bill-patient">"Patient (MRN)"</label>
                    <input id="bill-patient" name="patient" value=move || patient.get() placeholder="MRN00000042"/></div>
            })}
            <button type="submit" class="button">"Show"</button>
        </form>
        {desk.then(|| view! { <NewInvoiceForm create=create/> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || bills.get().flatten().map(|result| match result {
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
                Ok(page) => view! { <BillList page=page desk=desk/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn BillList(page: InvoicePage, desk: bool) -> impl IntoView {
    let owed = if page.outstanding.is_empty() {
        "Nothing to pay.".to_owned()
    } else {
        page.outstanding
            .iter()
            .map(|o| format!("{} on {} bill{}", money(o.balance_cents, &o.currency), o.invoices, if o.invoices == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pages = (page.total + page.per_page - 1) / page.per_page;
    let current = page.page;
    view! {
        <section class="card">
            <p data-testid="balance-due"><strong>{if desk { "Outstanding: " } else { "To pay: " }}</strong>{owed}</p>
            {if page.invoices.is_empty() {
                view! { <p class="muted empty">"No bills here."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Bills">
                        {page.invoices.into_iter().map(|invoice| view! { <BillRow invoice=invoice desk=desk/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(pages > 1).then(|| view! {
                <nav class="calendar-pager" aria-label="Pages">
                    {(current > 1).then(|| view! { <a href=format!("/billing?page={}", current - 1)>"← Newer"</a> })}
                    <span class="muted small">{format!("Page {current} of {pages}")}</span>
                    {(current < pages).then(|| view! { <a href=format!("/billing?page={}", current + 1)>"Older →"</a> })}
                </nav>
            })}
        </section>
    }
}

#[component]
fn BillRow(invoice: Invoice, desk: bool) -> impl IntoView {
    let when = format_time(&invoice.issued_at.unwrap_or(invoice.created_at));
    let who = if desk { format!("{} · {} · ", invoice.patient_name, invoice.mrn) } else { String::new() };
    let balance = (invoice.balance_cents > 0 && invoice.status != InvoiceStatus::Void)
        .then(|| format!(" · {} to pay", money(invoice.balance_cents, &invoice.currency)));
    view! {
        <li class="row">
            <div>
                <a href=format!("/billing/{}", invoice.id)><strong>{format!("{} · {}", invoice.number, invoice.summary())}</strong></a>
                <div class="muted small">{format!("{who}{when} · total {}", invoice.total())}{balance}</div>
            </div>
            <span class=badge(invoice.status)>{invoice.status.label()}</span>
        </li>
    }
}

/// How many line rows the new-invoice form starts with.
const FIRST_LINES: usize = 3;

#[component]
fn NewInvoiceForm(create: ServerAction<CreateInvoice>) -> impl IntoView {
    let rows = RwSignal::new(FIRST_LINES);
    view! {
        <details class="card">
            <summary><strong>"New invoice"</strong></summary>
            {move || create.value().get().and_then(Result::ok).map(|invoice| view! {
                <p class="alert success" role="status">
                    {format!("{} created for {}. ", invoice.number, invoice.patient_name)}
                    <a href=format!("/billing/{}", invoice.id)>"Open it"</a>
                </p>
            })}
            <ActionForm action=create attr:class="stack" attr:aria-label="New invoice">
                {action_error(create.value())}
                <div class="grid two">
                    <div class="field"><label for="invoice-patient">"Patient (MRN)"</label>
                        <input id="invoice-patient" name="patient" required=true placeholder="MRN00000042"/></div>
                    <div class="field"><label for="invoice-currency">"Currency"</label>
                        <input id="invoice-currency" name="currency" value="USD" required=true maxlength="3" size="4"/></div>
                </div>
                <fieldset>
                    <legend>"Lines"</legend>
                    {move || (0..rows.get()).map(|i| view! {
                        <div class="grid two invoice-line">
                            <div class="field span-two"><label for=format!("line-{i}-description")>{format!("Service {}", i + 1)}</label>
                                <input id=format!("line-{i}-description") name=format!("lines[{i}][description]") maxlength=super::MAX_DESCRIPTION_CHARS
                                    placeholder=if i == 0 { "For example: Blood test" } else { "" }/></div>
                            <div class="field"><label for=format!("line-{i}-quantity")>"Quantity"</label>
                                <input id=format!("line-{i}-quantity") name=format!("lines[{i}][quantity]") inputmode="numeric" value="1"/></div>
                            <div class="field"><label for=format!("line-{i}-price")>"Unit price"</label>
                                <input id=format!("line-{i}-price") name=format!("lines[{i}][unit_price]") inputmode="decimal" placeholder="25.50"/></div>
                        </div>
                    }).collect_view()}
                    <button type="button" class="button small" on:click=move |_| rows.update(|n| *n = (*n + 1).min(super::MAX_LINES))>"Add a line"</button>
                </fieldset>
                <label><input type="checkbox" name="draft" value="on"/>" Keep as a draft (not owed until issued)"</label>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create invoice"</button>
            </ActionForm>
        </details>
    }
}

/// The forms of the invoice page; each one's success reloads the invoice.
#[derive(Clone, Copy)]
struct InvoiceActions {
    pay: ServerAction<PayInvoice>,
    refund: ServerAction<RefundInvoice>,
    credit: ServerAction<CreditInvoice>,
    change: ServerAction<ChangeInvoice>,
    claim: ServerAction<SubmitClaim>,
    answer: ServerAction<UpdateClaim>,
    policy: ServerAction<AddPolicy>,
}

#[component]
pub fn InvoiceDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let actions = InvoiceActions {
        pay: ServerAction::new(),
        refund: ServerAction::new(),
        credit: ServerAction::new(),
        change: ServerAction::new(),
        claim: ServerAction::new(),
        answer: ServerAction::new(),
        policy: ServerAction::new(),
    };
    let versions = move || {
        [
            actions.pay.version().get(),
            actions.refund.version().get(),
            actions.credit.version().get(),
            actions.change.version().get(),
            actions.claim.version().get(),
            actions.answer.version().get(),
            actions.policy.version().get(),
        ]
    };
    let invoice: InvoiceLoader = page_resource(BILLING_ROLES, move || (id(), versions()), |(id, _)| get_invoice(id));
    view! {
        <Title text="Bill"/>
        <RequireUser roles=BILLING_ROLES>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || invoice.get().flatten().map(|result| match result {
                    Ok(sheet) => view! { <InvoiceView sheet=sheet actions=actions/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn InvoiceView(sheet: InvoiceSheet, actions: InvoiceActions) -> impl IntoView {
    let InvoiceSheet { invoice, claims, policies } = sheet;
    let role = use_user().role;
    let desk = is_desk(role);
    let currency = invoice.currency.clone();
    let cur = move |cents: i64| money(cents, &currency);
    let facts = [
        ("Total", Some(cur(invoice.total_cents))),
        ("Credited", (invoice.credited_cents > 0).then(|| cur(invoice.credited_cents))),
        ("Paid", Some(cur(invoice.paid_cents))),
        ("Refunded", (invoice.refunded_cents > 0).then(|| cur(invoice.refunded_cents))),
        ("Balance due", Some(cur(invoice.balance_cents))),
    ];
    view! {
        <section class="card">
            <p><a href="/billing">"← All bills"</a></p>
            <h1>{format!("Bill {}", invoice.number)}</h1>
            <p class="muted small">
                {format!("{} · {}", invoice.patient_name, invoice.mrn)}
                {invoice.doctor_name.clone().map(|d| format!(" · {d}"))}
                {format!(" · {}", format_time(&invoice.issued_at.unwrap_or(invoice.created_at)))}
            </p>
            <p><span class=badge(invoice.status) data-testid="invoice-status">{invoice.status.label()}</span></p>
            {invoice.void_reason.clone().map(|reason| view! { <p class="alert warn">{format!("Cancelled: {reason}")}</p> })}
            <div class="table-wrap">
                <table class="table" aria-label="Lines">
                    <thead><tr><th>"Service"</th><th>"Quantity × price"</th><th>"Amount"</th></tr></thead>
                    <tbody>
                        {invoice.lines.iter().map(|line| view! {
                            <tr>
                                <td>{line.description.clone()}</td>
                                <td>{format!("{} × {}", line.quantity, cur(line.unit_price_cents))}</td>
                                <td><strong>{cur(line.amount_cents)}</strong></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <dl class="facts" aria-label="Totals">
                {facts.into_iter().filter_map(|(label, value)| value.map(|value| view! {
                    <div><dt>{label}</dt><dd data-testid=format!("fact-{}", label.to_lowercase().replace(' ', "-"))>{value}</dd></div>
                })).collect_view()}
            </dl>
        </section>
        <Movements invoice=invoice.clone()/>
        {(invoice.payable() && role == Role::Patient).then(|| view! { <PayOnlineForm invoice=invoice.clone() pay=actions.pay/> })}
        {desk.then(|| view! { <DeskForms invoice=invoice.clone() actions=actions/> })}
        <Insurance invoice=invoice claims=claims policies=policies actions=actions desk=desk/>
    }
}

fn claim_badge(status: ClaimStatus) -> &'static str {
    match status {
        ClaimStatus::Paid | ClaimStatus::Approved => "badge ok",
        ClaimStatus::Denied => "badge",
        _ => "badge warn",
    }
}

/// The bill's insurance: its claims with their history, the patient's policies; for the desk,
/// the forms to claim and to record the insurer's answers; for both, adding a policy.
#[component]
fn Insurance(invoice: Invoice, claims: Vec<Claim>, policies: Vec<Policy>, actions: InvoiceActions, desk: bool) -> impl IntoView {
    let open_claim = claims.iter().any(|c| !c.status.next().is_empty());
    let can_claim = desk && invoice.payable() && !open_claim && !policies.is_empty();
    let claim_label = format!("Amount claimed ({})", invoice.currency);
    let (invoice_id, patient_id, balance) = (invoice.id, invoice.patient_id, invoice.balance().amount());
    view! {
        <section class="card">
            <h2>"Insurance"</h2>
            {claims.is_empty().then(|| view! { <p class="muted">"No insurance claim for this bill."</p> })}
            <ul class="list" aria-label="Insurance claims">
                {claims.into_iter().map(|claim| {
                    let history = claim.history.iter().map(|e| format!("{} {}{}", e.status.label(), format_time(&e.changed_at),
                        e.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())).collect::<Vec<_>>().join(" → ");
                    let approved = claim.approved_cents.map(|c| format!(" · {} approved", money(c, &claim.currency)));
                    view! {
                        <li class="row">
                            <div>
                                <strong>{format!("{} claimed from {}", money(claim.amount_cents, &claim.currency), claim.policy.payer)}</strong>{approved}
                                <div class="muted small">{history}</div>
                                {(desk && !claim.status.next().is_empty()).then(|| view! { <ClaimAnswerForm claim=claim.clone() answer=actions.answer/> })}
                            </div>
                            <span class=claim_badge(claim.status) data-testid="claim-status">{claim.status.label()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="muted small">{if policies.is_empty() { "No insurance policy on file.".to_owned() } else {
                format!("On file: {}", policies.iter().map(Policy::describe).collect::<Vec<_>>().join("; "))
            }}</p>
            {can_claim.then(|| view! {
                <ActionForm action=actions.claim attr:class="grid two" attr:aria-label="Claim from insurance">
                    {action_error(actions.claim.value())}
                    <input type="hidden" name="invoice_id" value=invoice_id/>
                    <div class="field"><label for="claim-policy">"Policy"</label>
                        <select id="claim-policy" name="policy_id">
                            {policies.iter().map(|p| view! { <option value=p.id>{p.describe()}</option> }).collect_view()}
                        </select></div>
                    <div class="field"><label for="claim-amount">{claim_label}</label>
                        <input id="claim-amount" name="amount" inputmode="decimal" required=true value=balance/></div>
                    <button type="submit" class="button">"Submit claim"</button>
                </ActionForm>
            })}
            <details>
                <summary>"Add an insurance policy"</summary>
                <ActionForm action=actions.policy attr:class="grid two" attr:aria-label="Add an insurance policy">
                    {action_error(actions.policy.value())}
                    <input type="hidden" name="patient_id" value=patient_id/>
                    <div class="field"><label for="policy-payer">"Insurer"</label>
                        <input id="policy-payer" name="payer" required=true maxlength="200"/></div>
                    <div class="field"><label for="policy-member">"Member number"</label>
                        <input id="policy-member" name="member_id" required=true maxlength="100"/></div>
                    <div class="field"><label for="policy-plan">"Plan (optional)"</label>
                        <input id="policy-plan" name="plan" maxlength="200"/></div>
                    <div class="field"><label for="policy-to">"Valid until (optional)"</label>
                        <input id="policy-to" name="valid_to" type="date"/></div>
                    <button type="submit" class="button">"Add policy"</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// The desk records what the insurer answered: the claim's next status.
#[component]
fn ClaimAnswerForm(claim: Claim, answer: ServerAction<UpdateClaim>) -> impl IntoView {
    let id = claim.id;
    let next = claim.status.next();
    let needs_amount = next.contains(&ClaimStatus::PartiallyApproved);
    view! {
        <ActionForm action=answer attr:class="inline-form" attr:aria-label="Insurer's answer">
            {action_error(answer.value())}
            <input type="hidden" name="id" value=id/>
            <label for=format!("claim-{id}-status") class="sr-only">"New status"</label>
            <select id=format!("claim-{id}-status") name="status">
                {next.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
            </select>
            {needs_amount.then(|| view! {
                <label for=format!("claim-{id}-approved") class="sr-only">"Approved amount (partial approval)"</label>
                <input id=format!("claim-{id}-approved") name="approved" inputmode="decimal" placeholder="Approved (if partly)" size="12"/>
                <label for=format!("claim-{id}-reason") class="sr-only">"Reason (denial)"</label>
                <input id=format!("claim-{id}-reason") name="reason" placeholder="Reason (if denied)" maxlength=super::MAX_REASON_CHARS/>
            })}
            <button type="submit" class="button small">"Record"</button>
        </ActionForm>
    }
}

/// Payments, refunds and credit notes, oldest first, with their receipts.
#[component]
fn Movements(invoice: Invoice) -> impl IntoView {
    if invoice.payments.is_empty() && invoice.credit_notes.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="card">
            <h2>"Payments"</h2>
            <ul class="list" aria-label="Payments and refunds">
                {invoice.payments.into_iter().map(|p| {
                    let what = match p.kind {
                        PaymentKind::Payment => format!("{} paid by {}{}", p.money(), p.method.label().to_lowercase(), if p.online { " online" } else { "" }),
                        PaymentKind::Refund => format!("{} refunded by {}", p.money(), p.method.label().to_lowercase()),
                    };
                    view! {
                        <li class="row">
                            <div>
                                <strong>{what}</strong>
                                <div class="muted small">{format_time(&p.created_at)}{p.reason.clone().map(|r| format!(" · {r}"))}</div>
                            </div>
                            <a class="button small" href=format!("/receipts/{}", p.id)>{format!("Receipt {}", p.receipt_number)}</a>
                        </li>
                    }
                }).collect_view()}
                {invoice.credit_notes.into_iter().map(|note| view! {
                    <li class="row">
                        <div>
                            <strong>{format!("Credit note {}: {} off", note.number, money(note.amount_cents, &invoice.currency))}</strong>
                            <div class="muted small">{format!("{} · {}", format_time(&note.created_at), note.reason)}</div>
                        </div>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn PayOnlineForm(invoice: Invoice, pay: ServerAction<PayInvoice>) -> impl IntoView {
    let balance = invoice.balance().amount();
    view! {
        <section class="card">
            <h2>"Pay online"</h2>
            {move || pay.value().get().and_then(Result::ok).map(|receipt| view! {
                <p class="alert success" role="status">
                    {format!("Thank you: {} paid. ", receipt.payment.money())}
                    <a href=format!("/receipts/{}", receipt.payment.id)>{format!("Receipt {}", receipt.payment.receipt_number)}</a>
                </p>
            })}
            <ActionForm action=pay attr:class="stack" attr:aria-label="Pay online">
                {action_error(pay.value())}
                <input type="hidden" name="id" value=invoice.id/>
                <input type="hidden" name="method" value="card"/>
                <div class="grid two">
                    <div class="field"><label for="pay-amount">{format!("Amount ({})", invoice.currency)}</label>
                        <input id="pay-amount" name="amount" inputmode="decimal" required=true value=balance/>
                        <p class="hint">"Pay all of it, or part now and the rest later."</p></div>
                    <div class="field"><label for="pay-card">"Card number"</label>
                        <input id="pay-card" name="card_number" inputmode="numeric" autocomplete="cc-number" required=true maxlength="23"/>
                        <p class="hint">"Test payments: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined."</p></div>
                </div>
                <button type="submit" class="button primary" disabled=move || pay.pending().get()>"Pay"</button>
            </ActionForm>
        </section>
    }
}

fn method_options(selected: PaymentMethod) -> impl IntoView {
    PaymentMethod::ALL.into_iter().map(|m| view! { <option value=m.as_str() selected=m == selected>{m.label()}</option> }).collect_view()
}

/// The desk's forms, as the invoice's state allows them.
#[component]
fn DeskForms(invoice: Invoice, actions: InvoiceActions) -> impl IntoView {
    let id = invoice.id;
    let currency = invoice.currency.clone();
    let net_paid = invoice.paid_cents - invoice.refunded_cents;
    let status = invoice.status;
    let issued = matches!(status, InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid | InvoiceStatus::Paid);
    let payable = invoice.payable();
    let balance = invoice.balance().amount();
    let owed = invoice.balance_cents > 0;
    let (pay_label, credit_label, refund_label) =
        (format!("Amount ({currency})"), format!("Amount ({currency})"), format!("Amount ({currency})"));
    view! {
        {payable.then(|| view! {
            <section class="card">
                <h2>"Record a payment"</h2>
                {move || actions.pay.value().get().and_then(Result::ok).map(|receipt| view! {
                    <p class="alert success" role="status">
                        {format!("{} recorded. ", receipt.payment.money())}
                        <a href=format!("/receipts/{}", receipt.payment.id)>{format!("Receipt {}", receipt.payment.receipt_number)}</a>
                    </p>
                })}
                <ActionForm action=actions.pay attr:class="grid two" attr:aria-label="Record a payment">
                    {action_error(actions.pay.value())}
                    <input type="hidden" name="id" value=id/>
                    <div class="field"><label for="desk-amount">{pay_label}</label>
                        <input id="desk-amount" name="amount" inputmode="decimal" required=true value=balance.clone()/></div>
                    <div class="field"><label for="desk-method">"Method"</label>
                        <select id="desk-method" name="method">{method_options(PaymentMethod::Cash)}</select></div>
                    <div class="field span-two"><label for="desk-reference">"Reference (optional)"</label>
                        <input id="desk-reference" name="reference" maxlength=super::MAX_REFERENCE_CHARS placeholder="Card slip or transfer reference"/></div>
                    <button type="submit" class="button primary" disabled=move || actions.pay.pending().get()>"Record payment"</button>
                </ActionForm>
            </section>
        })}
        {(issued && owed).then(|| view! {
            <details class="card">
                <summary><strong>"Lower the bill (credit note)"</strong></summary>
                <ActionForm action=actions.credit attr:class="grid two" attr:aria-label="Credit note">
                    {action_error(actions.credit.value())}
                    <input type="hidden" name="id" value=id/>
                    <div class="field"><label for="credit-amount">{credit_label}</label>
                        <input id="credit-amount" name="amount" inputmode="decimal" required=true/></div>
                    <div class="field"><label for="credit-reason">"Reason"</label>
                        <input id="credit-reason" name="reason" required=true maxlength=super::MAX_REASON_CHARS/></div>
                    <button type="submit" class="button">"Add credit note"</button>
                </ActionForm>
            </details>
        })}
        {(issued && net_paid > 0).then(|| view! {
            <details class="card">
                <summary><strong>"Refund"</strong></summary>
                <ActionForm action=actions.refund attr:class="grid two" attr:aria-label="Refund">
                    {action_error(actions.refund.value())}
                    <input type="hidden" name="id" value=id/>
                    <div class="field"><label for="refund-amount">{refund_label}</label>
                        <input id="refund-amount" name="amount" inputmode="decimal" required=true/></div>
                    <div class="field"><label for="refund-method">"Given back by"</label>
                        <select id="refund-method" name="method">{method_options(PaymentMethod::Cash)}</select></div>
                    <div class="field span-two"><label for="refund-reason">"Reason"</label>
                        <input id="refund-reason" name="reason" required=true maxlength=super::MAX_REASON_CHARS/></div>
                    <button type="submit" class="button">"Refund"</button>
                </ActionForm>
            </details>
        })}
        {(status == InvoiceStatus::Draft).then(|| view! {
            <section class="card">
                <ActionForm action=actions.change attr:class="inline" attr:aria-label="Issue">
                    {action_error(actions.change.value())}
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="action" value="issued"/>
                    <button type="submit" class="button primary">"Issue to the patient"</button>
                </ActionForm>
            </section>
        })}
        {(status != InvoiceStatus::Void && net_paid == 0).then(|| view! {
            <details class="card">
                <summary><strong>"Cancel this invoice (void)"</strong></summary>
                <ActionForm action=actions.change attr:class="stack" attr:aria-label="Void">
                    {action_error(actions.change.value())}
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="action" value="void"/>
                    <div class="field"><label for="void-reason">"Reason"</label>
                        <input id="void-reason" name="reason" required=true maxlength=super::MAX_REASON_CHARS/></div>
                    <button type="submit" class="button danger">"Void invoice"</button>
                </ActionForm>
            </details>
        })}
    }
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let receipt = page_resource(BILLING_ROLES, id, get_receipt);
    view! {
        <Title text="Receipt"/>
        <RequireUser roles=BILLING_ROLES>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || receipt.get().flatten().map(|result| match result {
                    Ok(receipt) => view! { <ReceiptView receipt=receipt/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn ReceiptView(receipt: Receipt) -> impl IntoView {
    let payment = receipt.payment;
    let refund = payment.kind == PaymentKind::Refund;
    let currency = payment.currency.clone();
    let facts = [
        Some(("Date", format_time(&payment.created_at))),
        Some(("Patient", format!("{} ({})", receipt.patient_name, receipt.mrn))),
        Some(("Invoice", format!("{} (total {})", receipt.invoice_number, money(receipt.invoice_total_cents, &currency)))),
        Some((if refund { "Refunded" } else { "Received" }, payment.money().to_string())),
        Some(("Method", format!("{}{}", payment.method.label(), if payment.online { " (online)" } else { "" }))),
        payment.reference.clone().map(|r| ("Reference", r)),
        payment.reason.clone().map(|r| ("Reason", r)),
        payment.recorded_by_name.clone().map(|r| ("Recorded by", r)),
        Some(("Balance after it", money(receipt.balance_after_cents, &currency))),
    ];
    view! {
        <section class="card narrow receipt">
            <p class="no-print"><a href=format!("/billing/{}", payment.invoice_id)>"← The bill"</a></p>
            <h1>{if refund { "Refund receipt " } else { "Payment receipt " }}<span class="nowrap">{payment.receipt_number.clone()}</span></h1>
            <dl class="receipt-facts">
                {facts.into_iter().flatten().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
            <p class="actions no-print">
                <a class="button primary" href=format!("/api/receipts/{}/pdf", payment.id) download=format!("receipt-{}.pdf", payment.receipt_number)>"Download PDF"</a>
                <PrintButton/>
            </p>
        </section>
    }
}

/// Prints the page (shown once the page is interactive: without JavaScript, the browser's own
/// print does the same).
#[component]
fn PrintButton() -> impl IntoView {
    let ready = crate::ui::lazy::use_interactive();
    view! {
        <Show when=move || ready.get()>
            <button type="button" class="button" on:click=|_| {
                #[cfg(feature = "hydrate")]
                let _ = window().print();
            }>"Print"</button>
        </Show>
    }
}

/// What is owed, for the dashboard.
pub type OutstandingResource = Resource<Option<Result<Vec<Outstanding>, ApiError>>>;

/// The dashboard's bills (loaded where the page starts, see `page_resource`).
pub fn outstanding_bills_resource() -> OutstandingResource {
    page_resource(BILLING_ROLES, || (), |_| outstanding_bills())
}

/// The dashboard panel: what the patient has to pay, or what the clinic is owed.
#[component]
pub fn BillsPanel(bills: OutstandingResource, role: Role) -> impl IntoView {
    let desk = is_desk(role);
    view! {
        <section class="card panel">
            <h2>{if desk { "Billing" } else { "Bills" }}</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || bills.get().flatten().map(|result| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(owed) if owed.is_empty() => view! {
                        <p class="muted empty">{if desk { "No open invoices." } else { "Nothing to pay." }}</p>
                        <a href="/billing">{if desk { "Open billing" } else { "Your bills" }}</a>
                    }.into_any(),
                    Ok(owed) => view! {
                        <div data-testid="bills-owed">
                            {owed.into_iter().map(|o| view! {
                                <p><strong>{money(o.balance_cents, &o.currency)}</strong>
                                    {format!(" {} on {} bill{}", if desk { "outstanding" } else { "to pay" }, o.invoices, if o.invoices == 1 { "" } else { "s" })}</p>
                            }).collect_view()}
                        </div>
                        <a href="/billing?status=outstanding">{if desk { "See open invoices" } else { "Pay your bills" }}</a>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
