//! The notifications page: newest first, unread ones marked, each leading to its subject.

use super::api::{my_notifications, MarkAllNotificationsRead, MarkNotificationRead};
use super::Notification;
use crate::auth::guard::RequireUser;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;

lazy_page!(
    /// The route of notifications: [`NotificationsPage`] in a WASM chunk of its own.
    pub NotificationsRoute => NotificationsPage, chunk = page_notifications
);

#[component]
pub fn NotificationsPage() -> impl IntoView {
    // Actions outside RequireUser: their results survive its re-renders.
    let mark_one = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    let notifications = Resource::new(move || (mark_one.version().get(), mark_all.version().get()), |_| my_notifications());
    view! {
        <Title text="Notifications"/>
        <RequireUser>
            <section class="page-head">
                <h1>"Notifications"</h1>
                <p class="muted">"Bookings, confirmations and changes to your appointments. Each is also sent by email."</p>
                <ActionForm action=mark_all attr:class="inline">
                    <button type="submit" class="button small">"Mark all as read"</button>
                </ActionForm>
            </section>
            {action_error(mark_one.value())}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || notifications.get().map(|result| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <section class="card"><p class="muted empty">"Nothing yet."</p></section> }.into_any(),
                    Ok(list) => view! {
                        <section class="card">
                            <ul class="list notifications">
                                {list.into_iter().map(|n| view! { <NotificationRow notification=n mark=mark_one/> }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn NotificationRow(notification: Notification, mark: ServerAction<MarkNotificationRead>) -> impl IntoView {
    let n = notification;
    let id = n.id;
    view! {
        <li class="row notification" class:unread=!n.read data-id=id>
            <div>
                <div>
                    <strong>{n.title.clone()}</strong>
                    {(!n.read).then(|| view! { " " <span class="badge warn">"New"</span> })}
                </div>
                <div class="pre-line">{n.body.clone()}</div>
                <div class="muted small">{format_time(&n.created_at)}</div>
            </div>
            <div class="row-actions">
                {n.link.clone().map(|href| view! { <a class="button small" href=href>"Open"</a> })}
                {(!n.read).then(|| view! {
                    <ActionForm action=mark attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button ghost small">"Mark read"</button>
                    </ActionForm>
                })}
            </div>
        </li>
    }
}
