//! The HTML shell, the root component and the page routes.

use crate::appointments::doctor_page::DoctorRoute;
use crate::appointments::pages::{AppointmentRoute, AppointmentsRoute};
use crate::auth::api::{get_current_user, Login};
use crate::auth::guard::AuthContext;
use crate::auth::pages::{LoginRoute, RegisterRoute, VerifyEmailRoute, WelcomeRoute};
use crate::billing::pages::{BillingRoute, InvoiceRoute, ReceiptRoute};
use crate::doctors::pages::{DirectoryRoute, PracticeRoute};
use crate::encounters::pages::{EncounterRoute, VisitNoteRoute};
use crate::notifications::pages::NotificationsRoute;
use crate::patients::pages::{NewPatientRoute, PatientsRoute};
use crate::pharmacy::pages::{DispenseRoute, StockItemRoute, StockRoute};
use crate::prescriptions::pages::{MedicationsRoute, RefillsRoute};
use crate::privacy::pages::PrivacyRoute;
use crate::profile::pages::ProfileRoute;
use crate::questions::pages::{QuestionRoute, QuestionsRoute};
use crate::records::pages::{BreakGlassLogRoute, ChartRoute, MyRecordRoute};
use crate::reports::pages::{PatientReportRoute, RevenueReportRoute};
use crate::shell::Layout;
use crate::ui::lazy::PageReady;
use crate::ui::NotFound;
use crate::users::pages::{AuditRoute, DashboardRoute, OutboxRoute, UsersRoute};
use crate::xrays::pages::{XrayRoute, XraysRoute};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::csp::allow_this_pages_scripts();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.ico"/>
                <AutoReload options=options.clone()/>
                // Asset names carry a hash of their content (`hash-files`), so they are cached
                // for good; the names come from the hash file cargo-leptos writes beside the binary.
                <HashedStylesheet options=options.clone() id="leptos"/>
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
    let user = Resource::new(move || login.version().get(), |_| get_current_user());
    provide_context(AuthContext { user, login });

    view! {
        <Title formatter=|page: String| if page.is_empty() { "Caduceus".to_owned() } else { format!("{page} · Caduceus") }/>
        <Router>
            <Layout>
                // Async rendering: data is loaded before the head is sent, so a page can set its
                // status (401/403/404) and redirect on the server.
                <Routes fallback=|| view! { <NotFound/> <PageReady/> }>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("register") view={Lazy::<RegisterRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("verify-email") view={Lazy::<VerifyEmailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("welcome") view={Lazy::<WelcomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("privacy") view={Lazy::<PrivacyRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/outbox") view={Lazy::<OutboxRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/break-glass") view={Lazy::<BreakGlassLogRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("doctors") view={Lazy::<DirectoryRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("doctors/:id") view={Lazy::<DoctorRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("appointments") view={Lazy::<AppointmentsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("appointments/:id") view={Lazy::<AppointmentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("practice") view={Lazy::<PracticeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("records") view={Lazy::<MyRecordRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients") view={Lazy::<PatientsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients/new") view={Lazy::<NewPatientRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients/:id/chart") view={Lazy::<ChartRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients/:id/visit-note") view={Lazy::<VisitNoteRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("medical-records/:id") view={Lazy::<EncounterRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("questions") view={Lazy::<QuestionsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("questions/:id") view={Lazy::<QuestionRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("xrays") view={Lazy::<XraysRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("xrays/:id") view={Lazy::<XrayRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("billing") view={Lazy::<BillingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("billing/:id") view={Lazy::<InvoiceRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("receipts/:id") view={Lazy::<ReceiptRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("medications") view={Lazy::<MedicationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("refills") view={Lazy::<RefillsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("pharmacy") view={Lazy::<StockRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("pharmacy/items/:id") view={Lazy::<StockItemRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("pharmacy/dispense") view={Lazy::<DispenseRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("reports") view={Lazy::<RevenueReportRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("reports/patients") view={Lazy::<PatientReportRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
