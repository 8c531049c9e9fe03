//! The HTML shell, the root component and the page routes.

use crate::appointments::doctor_page::DoctorPage;
use crate::appointments::pages::{AppointmentPage, AppointmentsPage};
use crate::auth::api::{get_current_user, Login, Logout};
use crate::auth::guard::AuthContext;
use crate::auth::pages::{LoginPage, RegisterPage, VerifyEmailPage};
use crate::doctors::pages::{DirectoryPage, PracticePage};
use crate::notifications::pages::NotificationsPage;
use crate::profile::pages::ProfilePage;
use crate::shell::Layout;
use crate::ui::NotFound;
use crate::users::pages::{AuditPage, DashboardPage, OutboxPage, UsersPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.ico"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(move || (login.version().get(), logout.version().get()), |_| get_current_user());
    provide_context(AuthContext { user, login, logout });

    // Lets browser tests (and curious humans) know the page is interactive.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/caduceus.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Caduceus".to_owned() } else { format!("{page} · Caduceus") }/>
        <Router>
            <Layout>
                // Async rendering: data is loaded before the head is sent, so a page can set its
                // status (401/403/404) and redirect on the server.
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("register") view=RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/outbox") view=OutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("doctors") view=DirectoryPage ssr=SsrMode::Async/>
                    <Route path=path!("doctors/:id") view=DoctorPage ssr=SsrMode::Async/>
                    <Route path=path!("appointments") view=AppointmentsPage ssr=SsrMode::Async/>
                    <Route path=path!("appointments/:id") view=AppointmentPage ssr=SsrMode::Async/>
                    <Route path=path!("notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("practice") view=PracticePage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
