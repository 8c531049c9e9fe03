//! The REST API's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! attributes as each domain's `routes()` registers them, so the document and the router are
//! one list. Served at `/api/openapi.json`, readable at `/api/docs`.
//!
//! utoipa (with utoipa-axum) rather than aide: its schemas come from derives on the types the
//! handlers already use, the derives compile only into the server (the same types build for
//! the browser without them), and its Swagger UI ships vendored, so nothing is downloaded.

use crate::error::ErrorBody;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Caduceus API",
        description = "The hospital's REST API. Sign in with `POST /api/auth/login` and send the token as \
                       `Authorization: Bearer <token>`. Errors are `{\"error\": {\"code\", \"message\", \"request_id\"}}`; \
                       quote the `request_id` when you report one.",
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "auth", description = "Accounts, sign-in, tokens and sessions"),
        (name = "profile", description = "The caller's own profile"),
        (name = "users", description = "Accounts as admins and the front desk manage them"),
        (name = "doctors", description = "The directory, practice details, days off, slots and reviews"),
        (name = "appointments", description = "Booking and the visit lifecycle"),
        (name = "patients", description = "The patient registry: medical record numbers and search"),
        (name = "records", description = "The chart: history, allergies and vitals"),
        (name = "encounters", description = "Visit notes: ICD-10 coded diagnoses, treatment, prescriptions, corrections, addenda"),
        (name = "prescriptions", description = "Prescriptions, refill requests and the pharmacy's queue of fills"),
        (name = "inventory", description = "The pharmacy's stock: items, lots with expiry, the movement ledger and alerts"),
        (name = "billing", description = "Invoices, payments, refunds, credit notes and receipts"),
        (name = "reports", description = "Revenue and patient-summary reports, as JSON and CSV (managers and admins)"),
        (name = "notifications", description = "The caller's notifications"),
        (name = "privacy", description = "Who viewed my record, export of all my data, and unregistering"),
        (name = "audit", description = "The audit trail and its hash chain"),
        (name = "system", description = "Health"),
    )
)]
pub struct ApiDoc;

/// The error answers every route may give, as one reusable response each.
const ERROR_RESPONSES: [(&str, &str); 9] = [
    ("400", "The request could not be read."),
    ("401", "Not signed in, or the token is no longer valid."),
    ("403", "Signed in, but not allowed to do this."),
    ("404", "No such object, or not one the caller may see."),
    ("409", "Conflicts with the current state (a taken slot, a duplicate, a concurrent change)."),
    ("413", "The request body is too large."),
    ("422", "The input is not valid; the message says which field and why."),
    ("429", "Too many attempts; see `Retry-After`."),
    ("503", "The service is temporarily unavailable."),
];

/// The document once every route is in: with the bearer scheme, and the shared error responses
/// on every operation. (A `modifiers(..)` of [`ApiDoc`] would run before the domains' routes
/// are merged in, and see no operations.)
pub fn complete(mut document: Document) -> Document {
    BearerAndErrors.modify(&mut document);
    document
}

struct BearerAndErrors;

impl Modify for BearerAndErrors {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("From POST /api/auth/login")).build()),
        );
        for (status, description) in ERROR_RESPONSES {
            let response = ResponseBuilder::new()
                .description(description)
                .content("application/json", Content::new(Some(Ref::from_schema_name("Error"))))
                .build();
            components.responses.insert(error_response_name(status), RefOr::T(response));
        }
        for item in document.paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head, &mut item.options];
            for operation in operations.into_iter().flatten() {
                add_error_responses(operation);
            }
        }
    }
}

fn error_response_name(status: &str) -> String {
    format!("Error{status}")
}

fn add_error_responses(operation: &mut Operation) {
    for (status, _) in ERROR_RESPONSES {
        let reference: RefOr<Response> = RefOr::Ref(Ref::from_response_name(error_response_name(status)));
        operation.responses.responses.entry(status.to_owned()).or_insert(reference);
    }
}
