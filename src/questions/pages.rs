//! `/questions`: a patient asks and follows their questions; a doctor works the queue of open
//! questions and their own. `/questions/{id}`: the thread, with the doctor's answer form or the
//! patient's follow-up and close. Every form posts without JavaScript too.

use super::api::{
    get_question, load_questions_page, pending_question_count, AnswerQuestion, AskQuestion, CloseQuestion, FollowUpQuestion,
    QuestionsOverview,
};
use super::{MessageKind, Question, QuestionStatus, QuestionThread, MAX_TEXT_CHARS};
use crate::auth::guard::{page_resource, use_user, RequireUser};
use crate::auth::Role;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

lazy_page!(
    /// The questions list and the ask form: [`QuestionsPage`] in a WASM chunk of its own.
    pub QuestionsRoute => QuestionsPage, chunk = page_questions
);

lazy_page!(
    /// One question's thread: [`QuestionPage`] in a WASM chunk of its own.
    pub QuestionRoute => QuestionPage, chunk = page_question
);

const ASKERS: &[Role] = &[Role::Patient, Role::Doctor, Role::Admin];

type OverviewResource = Resource<Option<Result<QuestionsOverview, ApiError>>>;

/// How many questions wait for the doctor, for the dashboard.
pub type CountResource = Resource<Option<Result<i64, ApiError>>>;

/// The dashboard's count (loaded where the page starts, see `page_resource`).
pub fn open_question_count() -> CountResource {
    page_resource(&[Role::Doctor], || (), |_| pending_question_count())
}

#[component]
pub fn QuestionsPage() -> impl IntoView {
    let ask = ServerAction::<AskQuestion>::new();
    let overview = page_resource(ASKERS, move || ask.version().get(), |_| load_questions_page());
    view! {
        <Title text="Questions"/>
        <RequireUser roles=ASKERS>
            <QuestionsView overview=overview ask=ask/>
        </RequireUser>
    }
}

#[component]
fn QuestionsView(overview: OverviewResource, ask: ServerAction<AskQuestion>) -> impl IntoView {
    let role = use_user().role;
    view! {
        <section class="page-head">
            <h1>{if role == Role::Patient { "Questions to your doctors" } else { "Patient questions" }}</h1>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || overview.get().flatten().map(|result| match result {
                Err(err) => view! { <ErrorView error=err/> }.into_any(),
                Ok(overview) if role == Role::Patient => view! {
                    <AskForm ask=ask overview=overview.clone()/>
                    <section class="card">
                        <h2>"Your questions"</h2>
                        <QuestionList questions=overview.mine empty="You haven't asked anything yet." label="Your questions"/>
                    </section>
                }.into_any(),
                Ok(overview) => view! {
                    <section class="card">
                        <h2>{format!("Waiting for an answer ({})", overview.queue.len())}</h2>
                        <QuestionList questions=overview.queue empty="No open questions." label="Waiting for an answer"/>
                    </section>
                    <section class="card">
                        <h2>{if role == Role::Doctor { "Your questions" } else { "All questions" }}</h2>
                        <QuestionList questions=overview.mine empty="None yet." label="Answered and closed"/>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn AskForm(ask: ServerAction<AskQuestion>, overview: QuestionsOverview) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Ask a question"</h2>
            <p class="muted">"For questions that can wait for an answer. In an emergency, call the emergency number."</p>
            {move || ask.value().get().and_then(Result::ok).map(|q| view! {
                <p class="alert success" role="status">
                    "Your question was sent. " <a href=format!("/questions/{}", q.id)>"Open it"</a>
                </p>
            })}
            <ActionForm action=ask attr:class="stack" attr:aria-label="Ask a question">
                {action_error(ask.value())}
                <div class="field"><label for="question-doctor">"To"</label>
                    <select id="question-doctor" name="doctor_id">
                        <option value="">"Any of the clinic's doctors"</option>
                        {overview.doctors.into_iter().map(|d| view! {
                            <option value=d.doctor_id>{format!("{} ({})", d.name, d.specialization)}</option>
                        }).collect_view()}
                    </select></div>
                <div class="field"><label for="question-text">"Your question"</label>
                    <textarea id="question-text" name="question_text" rows="4" required=true maxlength=MAX_TEXT_CHARS></textarea></div>
                <button type="submit" class="button primary" disabled=move || ask.pending().get()>"Send question"</button>
            </ActionForm>
        </section>
    }
}

/// The status badge's class.
fn badge(status: QuestionStatus) -> &'static str {
    match status {
        QuestionStatus::Pending => "badge warn",
        QuestionStatus::Answered => "badge ok",
        QuestionStatus::Closed => "badge muted",
    }
}

/// Whom a question is for, as a line under it.
fn addressee(q: &Question) -> String {
    match (&q.doctor_name, q.addressed) {
        (Some(name), true) => format!("to {name}"),
        (Some(name), false) => format!("to the clinic, taken by {name}"),
        (None, _) => "to the clinic's doctors".into(),
    }
}

#[component]
fn QuestionList(questions: Vec<Question>, empty: &'static str, label: &'static str) -> impl IntoView {
    if questions.is_empty() {
        return view! { <p class="muted empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="list" aria-label=label>
            {questions.into_iter().map(|q| {
                let excerpt: String = q.question_text.chars().take(140).collect();
                let when = q.answered_within().unwrap_or_else(|| format!("asked {}", format_time(&q.created_at)));
                view! {
                    <li class="row">
                        <div>
                            <a href=format!("/questions/{}", q.id)><strong>{excerpt}</strong></a>
                            <div class="muted small">{format!("{} · {} · {when}", q.patient_name, addressee(&q))}</div>
                        </div>
                        <span class=badge(q.status)>{q.status.label()}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The forms of the thread page; each one's success reloads the thread.
#[derive(Clone, Copy)]
struct ThreadActions {
    answer: ServerAction<AnswerQuestion>,
    follow_up: ServerAction<FollowUpQuestion>,
    close: ServerAction<CloseQuestion>,
}

#[component]
pub fn QuestionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let actions = ThreadActions { answer: ServerAction::new(), follow_up: ServerAction::new(), close: ServerAction::new() };
    let versions = move || (actions.answer.version().get(), actions.follow_up.version().get(), actions.close.version().get());
    let thread = page_resource(ASKERS, move || (id(), versions()), |(id, _)| get_question(id));
    view! {
        <Title text="Question"/>
        <RequireUser roles=ASKERS>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || thread.get().flatten().map(|result| match result {
                    Ok(thread) => view! { <Thread thread=thread actions=actions/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn Thread(thread: QuestionThread, actions: ThreadActions) -> impl IntoView {
    let role = use_user().role;
    let q = thread.question;
    let open = q.status != QuestionStatus::Closed;
    let id = q.id;
    view! {
        <section class="card">
            <p><a href="/questions">"← All questions"</a></p>
            <h1>"Question"</h1>
            <p class="muted small">
                {format!("{} · {} · asked {}", q.patient_name, addressee(&q), format_time(&q.created_at))}
                {q.answered_within().map(|w| format!(" · {w}"))}
            </p>
            <p><span class=badge(q.status)>{q.status.label()}</span></p>
            <blockquote class="question-text">{q.question_text.clone()}</blockquote>
            <ol class="thread" aria-label="Answers and follow-ups">
                {thread.messages.into_iter().map(|m| {
                    let who = match m.kind {
                        MessageKind::Response => format!("{} answered", m.author_name),
                        MessageKind::FollowUp => format!("{} followed up", m.author_name),
                    };
                    view! {
                        <li class=if m.kind == MessageKind::Response { "message response" } else { "message follow-up" }>
                            <div class="muted small">{format!("{who} · {}", format_time(&m.created_at))}</div>
                            <p>{m.body}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(open && role == Role::Doctor).then(|| view! {
                <ActionForm action=actions.answer attr:class="stack" attr:aria-label="Answer">
                    {action_error(actions.answer.value())}
                    <input type="hidden" name="id" value=id/>
                    <div class="field"><label for="answer-text">"Your answer"</label>
                        <textarea id="answer-text" name="response_text" rows="4" required=true maxlength=MAX_TEXT_CHARS></textarea></div>
                    <button type="submit" class="button primary" disabled=move || actions.answer.pending().get()>"Send answer"</button>
                </ActionForm>
            })}
            {(open && role == Role::Patient).then(|| view! {
                <ActionForm action=actions.follow_up attr:class="stack" attr:aria-label="Follow up">
                    {action_error(actions.follow_up.value())}
                    <input type="hidden" name="id" value=id/>
                    <div class="field"><label for="follow-up-text">"Add to your question"</label>
                        <textarea id="follow-up-text" name="text" rows="3" required=true maxlength=MAX_TEXT_CHARS></textarea></div>
                    <button type="submit" class="button" disabled=move || actions.follow_up.pending().get()>"Send follow-up"</button>
                </ActionForm>
                <ActionForm action=actions.close attr:class="inline">
                    {action_error(actions.close.value())}
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="button small">"Close this question"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// The doctor's dashboard panel: how many questions wait for an answer (a count reveals no
/// patient's data, so showing it is not a read of anyone's record).
#[component]
pub fn QuestionQueuePanel(queue: CountResource) -> impl IntoView {
    view! {
        <section class="card panel">
            <h2>"Patient questions"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || queue.get().flatten().map(|result| match result {
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    Ok(0) => view! { <p class="muted empty">"No open questions."</p> }.into_any(),
                    Ok(count) => view! {
                        <p><strong data-testid="open-questions">{format!("{count} waiting for an answer")}</strong></p>
                        <a href="/questions">"Open the queue"</a>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
