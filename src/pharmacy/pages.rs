//! `/pharmacy`: alerts, stock search and a new item; `/pharmacy/items/{id}`: an item's lots,
//! its ledger and the forms that move its stock; `/pharmacy/dispense`: the prescriptions waiting,
//! each dispensed first-expired-first-out. Every form posts without JavaScript too.

use super::api::{
    load_fills, load_item, load_stock, load_stock_alerts, AddItem, ChangeItem, DispenseFill, FillToDispense, MoveStock, StockOverview,
};
use super::{AlertCounts, InventoryItem, ItemDetail, MovementKind, StockAlerts};
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, urlencode, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

lazy_page!(
    /// The stock list: [`StockPage`] in a WASM chunk of its own.
    pub StockRoute => StockPage, chunk = page_stock
);

lazy_page!(
    /// One item's lots and ledger: [`StockItemPage`] in a WASM chunk of its own.
    pub StockItemRoute => StockItemPage, chunk = page_stock_item
);

lazy_page!(
    /// The dispensing queue: [`DispensePage`] in a WASM chunk of its own.
    pub DispenseRoute => DispensePage, chunk = page_dispense
);

/// Who sees stock; of them, the desk (pharmacy) and admins move it.
const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Doctor, Role::Nurse];
const KEEPERS: &[Role] = &[Role::Staff, Role::Admin];

/// The staff dashboard's counts of alerts.
pub type AlertsResource = Resource<Option<Result<AlertCounts, ApiError>>>;

pub fn stock_alerts_resource() -> AlertsResource {
    page_resource(KEEPERS, || (), |_| load_stock_alerts())
}

fn keeps_stock() -> bool {
    KEEPERS.contains(&use_user().role)
}

/// "24 tablets".
fn amount(quantity: i64, unit: &str) -> String {
    format!("{quantity} {unit}{}", if quantity == 1 || unit.ends_with('s') { "" } else { "s" })
}

#[component]
pub fn StockPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let add = ServerAction::<AddItem>::new();
    let stock = page_resource(READERS, move || (q(), add.version().get()), |(q, _)| load_stock(Some(q), None));
    view! {
        <Title text="Pharmacy"/>
        <RequireUser roles=READERS>
            <section class="page-head">
                <h1>"Pharmacy stock"</h1>
                {keeps_stock().then(|| view! { <a class="button primary" href="/pharmacy/dispense">"Dispense prescriptions"</a> })}
            </section>
            <form method="get" action="/pharmacy" class="search-row" role="search">
                <label for="stock-q" class="sr-only">"Find an item"</label>
                <input id="stock-q" name="q" type="search" value=q placeholder="Medicine or supply name"/>
                <button type="submit" class="button primary">"Search"</button>
            </form>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || stock.get().flatten().map(|result| match result {
                    Ok(stock) => view! { <StockView stock=stock/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
            {keeps_stock().then(|| view! { <NewItemForm add=add/> })}
        </RequireUser>
    }
}

#[component]
fn StockView(stock: StockOverview) -> impl IntoView {
    view! {
        <AlertsCard alerts=stock.alerts/>
        <section class="card">
            <h2>"Items"</h2>
            {if stock.items.is_empty() {
                view! { <p class="muted empty">"No items found."</p> }.into_any()
            } else {
                view! { <ItemTable items=stock.items/> }.into_any()
            }}
        </section>
    }
}

#[component]
fn ItemTable(items: Vec<InventoryItem>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table stock" aria-label="Items">
                <thead><tr><th>"Item"</th><th>"Kind"</th><th class="num">"On hand"</th><th>"Next expiry"</th><th class="num">"Price"</th></tr></thead>
                <tbody>
                    {items.into_iter().map(|item| {
                        let low = item.needs_reorder();
                        view! {
                            <tr class:inactive=!item.active>
                                <td><a href=format!("/pharmacy/items/{}", item.id)>{item.name.clone()}</a>
                                    {(!item.active).then(|| view! { " " <span class="badge muted">"Inactive"</span> })}
                                    {low.then(|| view! { " " <span class="badge warn">"Reorder"</span> })}</td>
                                <td data-label="Kind">{item.kind.label()}</td>
                                <td class="num" data-label="On hand" data-testid="on-hand">{amount(item.quantity_on_hand, &item.unit)}</td>
                                <td data-label="Next expiry">{item.next_expiry.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td class="num" data-label="Price">{item.price().to_string()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AlertsCard(alerts: StockAlerts) -> impl IntoView {
    if alerts.low_stock.is_empty() && alerts.expiring.is_empty() {
        return view! { <section class="card"><h2>"Alerts"</h2><p class="muted empty">"Stock is fine: nothing low or expiring soon."</p></section> }
            .into_any();
    }
    view! {
        <section class="card alerts" aria-label="Stock alerts">
            <h2>"Alerts"</h2>
            {(!alerts.low_stock.is_empty()).then(|| view! {
                <h3>"At or below the reorder level"</h3>
                <ul class="list">
                    {alerts.low_stock.iter().map(|item| view! {
                        <li class="row"><a href=format!("/pharmacy/items/{}", item.id)>{item.name.clone()}</a>
                            <span class="badge warn">{format!("{} left · reorder at {}", amount(item.usable_quantity, &item.unit), item.reorder_level)}</span></li>
                    }).collect_view()}
                </ul>
            })}
            {(!alerts.expiring.is_empty()).then(|| view! {
                <h3>{format!("Expiring within {} days", alerts.days)}</h3>
                <ul class="list">
                    {alerts.expiring.iter().map(|lot| view! {
                        <li class="row"><a href=format!("/pharmacy/items/{}", lot.item_id)>{format!("{} · lot {}", lot.item_name, lot.lot_number)}</a>
                            <span class="badge warn">{format!("{} left · expires {}", lot.quantity, lot.expiry_date)}</span></li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn NewItemForm(add: ServerAction<AddItem>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"New item"</h2>
            {move || add.value().get().and_then(Result::ok).map(|item| view! {
                <p class="alert success" role="status">
                    {format!("{} added. ", item.item.name)}
                    <a href=format!("/pharmacy/items/{}", item.item.id)>"Receive stock"</a>
                </p>
            })}
            <ActionForm action=add attr:class="stack" attr:aria-label="New item">
                {action_error(add.value())}
                <div class="form-row">
                    <div class="field"><label for="item-name">"Name"</label><input id="item-name" name="name" required=true maxlength=200/></div>
                    <div class="field"><label for="item-kind">"Kind"</label>
                        <select id="item-kind" name="kind"><option value="medicine">"Medicine"</option><option value="supply">"Supply"</option></select></div>
                    <div class="field"><label for="item-unit">"Unit"</label><input id="item-unit" name="unit" required=true maxlength=30 placeholder="tablet"/></div>
                    <div class="field"><label for="item-reorder">"Reorder level"</label><input id="item-reorder" name="reorder_level" type="number" min=0 value="0"/></div>
                    <div class="field"><label for="item-price">"Price per unit"</label><input id="item-price" name="price" inputmode="decimal" placeholder="0.25"/></div>
                </div>
                <button type="submit" class="button" disabled=move || add.pending().get()>"Add item"</button>
            </ActionForm>
        </section>
    }
}

#[derive(Clone, Copy)]
struct ItemActions {
    receive: ServerAction<MoveStock>,
    change_lot: ServerAction<MoveStock>,
    settings: ServerAction<ChangeItem>,
}

#[component]
pub fn StockItemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let actions = ItemActions { receive: ServerAction::new(), change_lot: ServerAction::new(), settings: ServerAction::new() };
    let versions = move || (actions.receive.version().get(), actions.change_lot.version().get(), actions.settings.version().get());
    let item = page_resource(READERS, move || (id(), versions()), |(id, _)| load_item(id));
    view! {
        <Title text="Stock item"/>
        <RequireUser roles=READERS>
            <p><a href="/pharmacy">"← All stock"</a></p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || item.get().flatten().map(|result| match result {
                    Ok(detail) => view! { <ItemView detail=detail actions=actions/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn ItemView(detail: ItemDetail, actions: ItemActions) -> impl IntoView {
    let item = detail.item;
    let unit = item.unit.clone();
    view! {
        <section class="card">
            <h1>{item.name.clone()}</h1>
            <p class="muted">{format!("{} · {} per {} · reorder at {}", item.kind.label(), item.price(), item.unit, item.reorder_level)}
                {(!item.active).then(|| view! { " " <span class="badge muted">"Inactive"</span> })}</p>
            <p class="big-figure"><strong data-testid="item-on-hand">{amount(item.quantity_on_hand, &item.unit)}</strong>" on hand"
                {(item.usable_quantity != item.quantity_on_hand).then(|| format!(" ({} usable)", item.usable_quantity))}</p>
        </section>
        <section class="card">
            <h2>"Lots"</h2>
            {if detail.lots.is_empty() {
                view! { <p class="muted empty">"No stock."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="table" aria-label="Lots">
                        <thead><tr><th>"Lot"</th><th>"Expires"</th><th class="num">"Quantity"</th><th>"Received"</th></tr></thead>
                        <tbody>{detail.lots.into_iter().map(|lot| view! {
                            <tr data-testid="lot"><td><strong>{lot.lot_number}</strong></td><td data-label="Expires">{lot.expiry_date.to_string()}</td>
                                <td class="num" data-label="Quantity">{lot.quantity}</td><td data-label="Received">{format_time(&lot.received_at)}</td></tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
        {keeps_stock().then(|| view! { <MovementForms item_id=item.id actions=actions item=item.clone()/> })}
        <section class="card">
            <h2>"Movements"</h2>
            {if detail.movements.is_empty() {
                view! { <p class="muted empty">"No movements yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="table" aria-label="Movements">
                        <thead><tr><th>"When"</th><th>"What"</th><th>"Lot"</th><th class="num">"Quantity"</th><th>"By"</th><th>"Note"</th></tr></thead>
                        <tbody>{detail.movements.into_iter().map(|m| {
                            let note = match (m.prescription_id, m.reason) {
                                (Some(p), _) => format!("prescription #{p}"),
                                (None, Some(reason)) => reason,
                                (None, None) => String::new(),
                            };
                            view! {
                                <tr data-testid="movement"><td>{format_time(&m.created_at)}</td><td><strong>{m.kind.label()}</strong></td><td data-label="Lot">{m.lot_number}</td>
                                    <td class="num" data-label="Quantity">{format!("{:+} {}", m.quantity, unit)}</td><td data-label="By">{m.actor_name.unwrap_or_default()}</td><td>{note}</td></tr>
                            }
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn MovementForms(item_id: i64, item: InventoryItem, actions: ItemActions) -> impl IntoView {
    let (receive, change_lot, settings) = (actions.receive, actions.change_lot, actions.settings);
    let price = crate::money::Money::new(item.price_cents, item.currency.clone()).amount();
    view! {
        <section class="card">
            <h2>"Receive stock"</h2>
            <ActionForm action=receive attr:class="stack" attr:aria-label="Receive stock">
                {action_error(receive.value())}
                <input type="hidden" name="item_id" value=item_id/>
                <input type="hidden" name="kind" value="receive"/>
                <div class="form-row">
                    <div class="field"><label for="receive-lot">"Lot number"</label><input id="receive-lot" name="lot_number" required=true maxlength=50/></div>
                    <div class="field"><label for="receive-expiry">"Expiry date"</label><input id="receive-expiry" name="expiry_date" type="date"/></div>
                    <div class="field"><label for="receive-quantity">"Quantity"</label><input id="receive-quantity" name="quantity" type="number" min=1 required=true/></div>
                </div>
                <button type="submit" class="button primary" disabled=move || receive.pending().get()>"Receive"</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"Adjust, waste or return"</h2>
            <ActionForm action=change_lot attr:class="stack" attr:aria-label="Adjust, waste or return">
                {action_error(change_lot.value())}
                <input type="hidden" name="item_id" value=item_id/>
                <div class="form-row">
                    <div class="field"><label for="change-kind">"What happened"</label>
                        <select id="change-kind" name="kind">
                            <option value="waste">{MovementKind::Waste.label()}</option>
                            <option value="adjust">"Count corrected (+/−)"</option>
                            <option value="return">{MovementKind::Return.label()}</option>
                        </select></div>
                    <div class="field"><label for="change-lot">"Lot number"</label><input id="change-lot" name="lot_number" required=true maxlength=50/></div>
                    <div class="field"><label for="change-quantity">"Quantity"</label><input id="change-quantity" name="quantity" type="number" required=true/></div>
                    <div class="field"><label for="change-reason">"Reason"</label><input id="change-reason" name="reason" required=true maxlength=500/></div>
                </div>
                <button type="submit" class="button" disabled=move || change_lot.pending().get()>"Record"</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"Settings"</h2>
            <ActionForm action=settings attr:class="stack" attr:aria-label="Item settings">
                {action_error(settings.value())}
                <input type="hidden" name="id" value=item_id/>
                <div class="form-row">
                    <div class="field"><label for="settings-reorder">"Reorder level"</label>
                        <input id="settings-reorder" name="reorder_level" type="number" min=0 value=item.reorder_level/></div>
                    <div class="field"><label for="settings-price">{format!("Price per {} ({})", item.unit, item.currency)}</label>
                        <input id="settings-price" name="price" inputmode="decimal" value=price/></div>
                    <label class="check"><input type="checkbox" name="active" value="on" checked=item.active/>" Stocked (active)"</label>
                </div>
                <button type="submit" class="button" disabled=move || settings.pending().get()>"Save"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn DispensePage() -> impl IntoView {
    let dispense = ServerAction::<DispenseFill>::new();
    let fills = page_resource(KEEPERS, move || dispense.version().get(), |_| load_fills());
    view! {
        <Title text="Dispense"/>
        <RequireUser roles=KEEPERS>
            <p><a href="/pharmacy">"← Stock"</a></p>
            <section class="page-head"><h1>"Prescriptions to dispense"</h1></section>
            {move || dispense.value().get().and_then(Result::ok).map(|item| view! {
                <p class="alert success" role="status">
                    {format!("Dispensed from {}: {} left. The patient was told it is ready for pickup.", item.item.name, amount(item.item.quantity_on_hand, &item.item.unit))}
                </p>
            })}
            {action_error(dispense.value())}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || fills.get().flatten().map(|result| match result {
                    Ok(fills) if fills.is_empty() => view! { <section class="card"><p class="muted empty">"Nothing waiting."</p></section> }.into_any(),
                    Ok(fills) => view! {
                        <ul class="list cards" aria-label="Prescriptions to dispense">
                            {fills.into_iter().map(|fill| view! { <FillRow fill=fill dispense=dispense/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn FillRow(fill: FillToDispense, dispense: ServerAction<DispenseFill>) -> impl IntoView {
    let p = fill.prescription;
    let which = if p.fills == 0 { "First fill".to_owned() } else { format!("Refill {} of {}", p.fills, p.refills) };
    let quantity = p.quantity.map(|q| q.to_string()).unwrap_or_default();
    view! {
        <li class="card fill" data-testid="fill">
            <div>
                <strong>{format!("{} · {}", p.patient_name, p.drug)}</strong>
                <div>{format!("{} · {}", p.dose, p.frequency)}</div>
                <div class="muted small">{format!("{which} · written {} by {}", format_time(&p.prescribed_at), p.prescriber_name.clone().unwrap_or_default())}</div>
            </div>
            {match fill.item {
                None => view! {
                    <p class="small">{format!("No stocked medicine matches {}. ", p.drug)}
                        <a href=format!("/pharmacy?q={}", urlencode(&p.drug))>"Find it in stock"</a></p>
                }.into_any(),
                Some(item) => view! {
                    <ActionForm action=dispense attr:class="inline-form" attr:aria-label=format!("Dispense {}", p.drug)>
                        <input type="hidden" name="prescription_id" value=p.id/>
                        <input type="hidden" name="item_id" value=item.id/>
                        <span class="small">{format!("From {} ({} usable)", item.name, amount(item.usable_quantity, &item.unit))}</span>
                        <label class="sr-only" for=format!("dispense-quantity-{}", p.id)>"Quantity"</label>
                        <input id=format!("dispense-quantity-{}", p.id) name="quantity" type="number" min=1 required=true value=quantity size=5/>
                        <button type="submit" class="button primary small" disabled=move || dispense.pending().get()>"Dispense"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </li>
    }
}

/// The staff dashboard's panel: items to reorder and lots expiring soon.
#[component]
pub fn StockAlertsPanel(alerts: AlertsResource) -> impl IntoView {
    view! {
        <section class="card panel">
            <h2>"Pharmacy"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || alerts.get().flatten().map(|result| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(alerts) if alerts.low_stock == 0 && alerts.expiring == 0 => {
                        view! { <p class="muted empty">"Stock is fine."</p> <a href="/pharmacy">"Open stock"</a> }.into_any()
                    }
                    Ok(alerts) => view! {
                        <p data-testid="stock-alerts"><strong>{format!("{} to reorder · {} lot(s) expiring within {} days", alerts.low_stock, alerts.expiring, alerts.days)}</strong></p>
                        <a href="/pharmacy">"See the alerts"</a>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
