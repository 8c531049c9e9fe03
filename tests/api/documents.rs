//! Documents on the chart: uploads checked by content with real files, metadata stripped from
//! images, the file served only to chart readers with safe headers, every step audited, and
//! the files gone with an erased patient.

use crate::helpers::{assert_error, body, TestApp};
use crate::records::{audit_count, Clinic};
use caduceus::server::config::Config;
use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use std::io::Cursor;

/// A marker hidden in the files' metadata: it must not survive the upload.
pub(crate) const GPS_MARKER: &[u8] = b"GPS-48.8584N-2.2945E-CADUCEUS";

/// A one-page PDF, made by a PDF library (as a lab system would).
pub(crate) fn pdf() -> Vec<u8> {
    use lopdf::{dictionary, Document, Object};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// A small picture, encoded in `format`.
fn picture(format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 12, |x, y| image::Rgb([(x * 15) as u8, (y * 20) as u8, 128]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A picture of noise (it doesn't compress): about 3 bytes a pixel.
fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub(crate) fn png() -> Vec<u8> {
    picture(image::ImageFormat::Png)
}

/// EXIF (a TIFF structure) with a GPS directory whose map datum is [`GPS_MARKER`].
fn exif_with_gps() -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: one entry, the GPS IFD pointer (tag 0x8825, LONG) → offset 26.
    tiff.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD at 26: one entry, GPSMapDatum (tag 0x0012, ASCII) → its text at offset 44.
    let len = GPS_MARKER.len() as u32 + 1;
    tiff.extend_from_slice(&[0, 1, 0, 0x12, 0, 2]);
    tiff.extend_from_slice(&len.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 44, 0, 0, 0, 0]);
    tiff.extend_from_slice(GPS_MARKER);
    tiff.push(0);
    tiff
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32(&typed).to_be_bytes());
    chunk
}

/// A PNG with an `eXIf` chunk holding GPS coordinates (right after the header, as cameras
/// and phones write it).
pub(crate) fn png_with_gps() -> Vec<u8> {
    let plain = png();
    let ihdr_end = 8 + 4 + 4 + 13 + 4;
    let mut out = plain[..ihdr_end].to_vec();
    out.extend(png_chunk(b"eXIf", &exif_with_gps()));
    out.extend_from_slice(&plain[ihdr_end..]);
    out
}

/// A JPEG with an APP1 Exif segment holding GPS coordinates.
fn jpeg_with_gps() -> Vec<u8> {
    let plain = picture(image::ImageFormat::Jpeg);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(exif_with_gps());
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A PNG whose header claims 100000×100000 pixels (30 GB decoded), with a few bytes of data.
pub(crate) fn png_claiming_a_huge_size() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = 100_000u32.to_be_bytes().to_vec();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend(png_chunk(b"IHDR", &header));
    out.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn upload_form(title: &str, kind: &str, file_name: &str, bytes: Vec<u8>, declared_type: &str) -> Form {
    Form::new()
        .text("title", title.to_owned())
        .text("kind", kind.to_owned())
        .part("file", Part::bytes(bytes).file_name(file_name.to_owned()).mime_str(declared_type).unwrap())
}

async fn upload(app: &TestApp, patient_id: i64, token: &str, form: Form) -> Response {
    app.client.post(app.url(&format!("/api/patients/{patient_id}/reports"))).bearer_auth(token).multipart(form).send().await.unwrap()
}

async fn fetch_file(app: &TestApp, id: i64, token: Option<&str>) -> Response {
    let mut request = app.client.get(app.url(&format!("/api/reports/{id}/file")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn a_lab_pdf_is_kept_as_sent_and_served_only_to_chart_readers_with_safe_headers(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    clinic.accept_the_visit().await;
    let app = &clinic.app;
    let sent = pdf();
    let added =
        upload(app, clinic.patient_id, &clinic.nurse, upload_form("Full blood count", "lab", "fbc.pdf", sent.clone(), "application/pdf"))
            .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let report = body(added).await;
    assert_eq!(report["title"], "Full blood count");
    assert_eq!(report["kind"], "lab");
    assert_eq!(report["content_type"], "application/pdf");
    assert_eq!(report["file_name"], "fbc.pdf");
    assert_eq!(report["uploaded_by"], "The nurse");
    let id = report["id"].as_i64().unwrap();

    // The patient finds it in their chart and in the list, and opens it.
    let listed = body(app.get(&clinic.path("reports"), Some(&clinic.patient)).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let chart = body(app.get(&clinic.path("chart"), Some(&clinic.patient)).await).await;
    assert_eq!(chart["documents"][0]["title"], "Full blood count");
    let file = fetch_file(app, id, Some(&clinic.patient)).await;
    assert_eq!(file.status(), StatusCode::OK);
    let headers = file.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("inline; filename=\"fbc.pdf\""));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(file.bytes().await.unwrap().to_vec(), sent, "a PDF is kept byte for byte");
    let download = app.get(&format!("/api/reports/{id}/file?download=true"), Some(&clinic.doctor)).await;
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));

    // Nobody else: another doctor, the desk (who may add documents, not read them), anonymous.
    assert_eq!(fetch_file(app, id, Some(&clinic.other_doctor)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(fetch_file(app, id, Some(&clinic.staff)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(fetch_file(app, id, None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(fetch_file(app, id + 1000, Some(&clinic.admin)).await.status(), StatusCode::NOT_FOUND);

    // Each step is in the audit trail, and the patient sees who opened the document.
    assert_eq!(audit_count(app, "chart.document.add", clinic.patient_id).await, 1);
    assert_eq!(audit_count(app, "chart.documents.view", clinic.patient_id).await, 1);
    assert_eq!(audit_count(app, "chart.document.open", clinic.patient_id).await, 2);
    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "chart.document.open" && e["actor_name"] == "Dr. Hale"), "{log}");
}

#[sqlx::test(migrations = "./migrations")]
async fn images_lose_their_metadata_and_gps_position(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    for (name, bytes, content_type) in [("wound.png", png_with_gps(), "image/png"), ("rash.jpg", jpeg_with_gps(), "image/jpeg")] {
        assert!(contains(&bytes, GPS_MARKER), "the test file carries the marker");
        let added = upload(app, clinic.patient_id, &clinic.nurse, upload_form("Photo", "imaging", name, bytes, content_type)).await;
        assert_eq!(added.status(), StatusCode::CREATED, "{name}");
        let report = body(added).await;
        assert_eq!(report["content_type"], content_type);
        let kept = fetch_file(app, report["id"].as_i64().unwrap(), Some(&clinic.nurse)).await.bytes().await.unwrap();
        assert!(!contains(&kept, GPS_MARKER), "{name}: the GPS position is gone");
        assert!(!contains(&kept, b"eXIf") && !contains(&kept, b"Exif"), "{name}: no EXIF block is left");
        let reread = image::load_from_memory(&kept).expect("the kept copy is a picture");
        assert_eq!((reread.width(), reread.height()), (16, 12), "{name}: the same picture");
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn files_are_judged_by_their_content_not_their_name(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let mut truncated_jpeg = picture(image::ImageFormat::Jpeg);
    truncated_jpeg.truncate(truncated_jpeg.len() / 2);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#.to_vec();
    let html = b"<!doctype html><html><body><script>fetch('/api/profile')</script></body></html>".to_vec();
    let cases: [(&str, Vec<u8>, &str, u16, &str); 5] = [
        ("scan.png", html, "image/png", 415, "PDF, PNG or JPEG"),
        ("chart.svg", svg, "image/svg+xml", 415, "SVG"),
        ("xray.jpg", truncated_jpeg, "image/jpeg", 422, "damaged or incomplete"),
        ("huge.png", png_claiming_a_huge_size(), "image/png", 422, "too large"),
        ("report.pdf", b"%PDF-1.7\nthis is not really a PDF".to_vec(), "application/pdf", 422, "damaged or incomplete"),
    ];
    for (name, bytes, declared, status, message) in cases {
        let refused = upload(app, clinic.patient_id, &clinic.nurse, upload_form("Scan", "other", name, bytes, declared)).await;
        assert_eq!(refused.status().as_u16(), status, "{name}");
        let error = body(refused).await;
        assert!(error["error"]["message"].as_str().unwrap().contains(message), "{name}: {error}");
    }
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM patient_documents").fetch_one(&app.pool).await.unwrap();
    assert_eq!(kept, 0, "nothing refused is kept");

    // A name with folders in it names nothing on the server: it is only a download name.
    let added =
        upload(app, clinic.patient_id, &clinic.nurse, upload_form("Letter", "referral", "../../../etc/passwd", pdf(), "text/plain")).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let report = body(added).await;
    assert_eq!(report["file_name"], "passwd.pdf");
    assert_eq!(report["content_type"], "application/pdf", "the declared type is not believed");

    // Missing pieces are a 422 each, and a body that is no form a 400.
    let no_title = upload(app, clinic.patient_id, &clinic.nurse, upload_form(" ", "lab", "a.pdf", pdf(), "application/pdf")).await;
    assert_error(no_title, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let bad_kind = upload(app, clinic.patient_id, &clinic.nurse, upload_form("Scan", "x-ray", "a.pdf", pdf(), "application/pdf")).await;
    assert_error(bad_kind, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let no_file = app
        .client
        .post(app.url(&clinic.path("reports")))
        .bearer_auth(&clinic.nurse)
        .multipart(Form::new().text("title", "Scan").text("kind", "lab"))
        .send()
        .await
        .unwrap();
    assert_error(no_file, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let json = app.post(&clinic.path("reports"), json!({"title": "Scan"}), Some(&clinic.nurse)).await;
    assert_error(json, StatusCode::BAD_REQUEST, "bad_request").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn uploads_have_a_limit_of_their_own(pool: PgPool) {
    let mut config = Config::for_tests();
    config.max_upload_mb = 1;
    let app = TestApp::spawn_with(pool, config).await;
    let admin = app.admin().await;
    let (_, patient) = app.patient("ann@example.org").await;
    let patient_id = body(app.get("/api/profile", Some(&patient)).await).await["patient"]["patient_id"].as_i64().unwrap();
    let nurse = json!({"name": "Nora", "email": "nora@clinic.test", "password": crate::helpers::PASSWORD, "role": "nurse"});
    assert_eq!(app.post("/api/users", nurse, Some(&admin)).await.status(), StatusCode::CREATED);
    let nurse = app.token("nora@clinic.test", crate::helpers::PASSWORD).await;

    let mut big = pdf();
    big.extend(std::iter::repeat_n(b' ', 1024 * 1024 + 10));
    let refused = upload(&app, patient_id, &nurse, upload_form("Big", "lab", "big.pdf", big, "application/pdf")).await;
    assert_error(refused, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Under the limit is fine, though more than a JSON body may be (1 MB by default too, here).
    let photo = noise_png(500, 480);
    assert!(photo.len() > 600 * 1024 && photo.len() < 1024 * 1024, "{}", photo.len());
    assert_eq!(
        upload(&app, patient_id, &nurse, upload_form("Photo", "imaging", "p.png", photo, "image/png")).await.status(),
        StatusCode::CREATED
    );
}

#[sqlx::test(migrations = "./migrations")]
async fn erasing_a_patient_removes_their_files(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let added =
        upload(app, clinic.patient_id, &clinic.staff, upload_form("Referral letter", "referral", "letter.png", png(), "image/png")).await;
    assert_eq!(added.status(), StatusCode::CREATED, "the front desk adds documents");
    let key: String = sqlx::query_scalar("SELECT storage_key FROM patient_documents").fetch_one(&app.pool).await.unwrap();
    let file = Config::for_tests().upload_dir().join(&key);
    assert!(file.exists());
    // The desk can't read what it filed.
    assert_eq!(app.get(&clinic.path("reports"), Some(&clinic.staff)).await.status(), StatusCode::FORBIDDEN);

    let erased = app.delete(&format!("/api/patients/{}", clinic.patient_id), json!({"reason": "asked in writing"}), &clinic.admin).await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    assert!(!file.exists(), "the file went with the patient");
}
