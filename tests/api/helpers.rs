use caduceus::server::config::Config;
use caduceus::server::startup;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::net::SocketAddr;

pub const PASSWORD: &str = "plum-cactus-orbit";

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub client: Client,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, Config::for_tests()).await
    }

    /// Serves the real router on 127.0.0.1:<free port>.
    pub async fn spawn_with(pool: PgPool, config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut leptos_options = leptos::config::get_configuration(Some("Cargo.toml")).unwrap().leptos_options;
        leptos_options.site_addr = addr;
        // As `caduceus serve` decides: hashed asset names only with cargo-leptos's hash file
        // beside the binary (the test binary has none).
        caduceus::server::assets::detect_hash_files(&mut leptos_options);
        let state = startup::state(leptos_options, pool.clone(), config);
        let app = startup::router(state).await.unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { base: format!("http://{addr}"), pool, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Response {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn put(&self, path: &str, body: Value, token: &str) -> Response {
        self.client.put(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, body: Value, token: &str) -> Response {
        self.client.delete(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }

    pub async fn register(&self, name: &str, email: &str, role: &str) -> Response {
        self.post("/api/auth/register", json!({"name": name, "email": email, "password": PASSWORD, "role": role}), None).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/api/auth/login", json!({"email": email, "password": password}), None).await
    }

    /// Registers a patient and returns (user id, token).
    pub async fn patient(&self, email: &str) -> (i64, String) {
        let registered = self.register("Pat Example", email, "patient").await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        let id = body(registered).await["id"].as_i64().unwrap();
        (id, self.token(email, PASSWORD).await)
    }

    pub async fn token(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email} failed");
        body(response).await["token"].as_str().unwrap().to_owned()
    }

    /// An administrator (as `caduceus create-admin` makes one) and their token.
    pub async fn admin(&self) -> String {
        caduceus::users::service::create_first_admin(&self.pool, "root@clinic.test", "Root Admin", PASSWORD.into()).await.unwrap();
        self.token("root@clinic.test", PASSWORD).await
    }

    /// The verification token from the last email sent to `email`.
    pub async fn verification_token_for(&self, email: &str) -> String {
        let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1")
            .bind(email)
            .fetch_one(&self.pool)
            .await
            .unwrap();
        body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
    }
}

pub async fn body(response: Response) -> Value {
    response.json().await.unwrap()
}

/// Asserts the JSON error contract: status, `error.code`, and a message.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> String {
    assert_eq!(response.status(), status);
    let value = body(response).await;
    assert_eq!(value["error"]["code"], code, "{value}");
    let message = value["error"]["message"].as_str().unwrap().to_owned();
    assert!(!message.is_empty());
    message
}

/// The URL of the test's own database (DATABASE_URL names the server, `#[sqlx::test]` the
/// database), for the app's processes run beside the test.
pub fn database_url_of(pool: &PgPool) -> String {
    let database = pool.connect_options().get_database().unwrap().to_owned();
    let mut url = reqwest::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// `caduceus serve` as a separate OS process on the test's database; killed when dropped.
pub struct ServerProcess {
    pub base: String,
    _child: tokio::process::Child,
}

impl ServerProcess {
    pub async fn start(pool: &PgPool) -> Self {
        let url = database_url_of(pool);
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_caduceus"))
            .arg("serve")
            .env("DATABASE_URL", &url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        // Generous: on a 2-core CI machine the other tests run beside this start-up.
        for _ in 0..300 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the server process on port {port} exited at start-up ({status}); its log is above");
            }
            if reqwest::get(format!("{base}/health")).await.is_ok_and(|r| r.status().is_success()) {
                return Self { base, _child: child };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server process on port {port} did not answer within 30 s");
    }
}
