//! The profile page: personal details, password, and where you are signed in.

use super::api::{get_profile, UpdateProfile};
use super::{Profile, BLOOD_GROUPS, GENDERS};
use crate::auth::api::{list_sessions, ChangePassword, RevokeSession};
use crate::auth::describe_user_agent;
use crate::auth::guard::{page_resource, use_auth, RequireUser};
use crate::auth::SessionInfo;
use crate::error::ApiError;
use crate::ui::lazy::lazy_page;
use crate::ui::{action_error, format_time, ErrorView, Field};
use leptos::prelude::*;
use leptos_meta::Title;

lazy_page!(
    /// The route of the profile: [`ProfilePage`] in a WASM chunk of its own.
    pub ProfileRoute => ProfilePage, chunk = page_profile
);

#[component]
pub fn ProfilePage() -> impl IntoView {
    // Created outside RequireUser: saving refreshes the signed-in user (a new name shows in
    // the header), which re-renders RequireUser's children; the action and its result survive.
    let update = ServerAction::<UpdateProfile>::new();
    let auth = use_auth();
    // A new name or email shows in the header at once.
    Effect::new(move |_| {
        if matches!(update.value().get(), Some(Ok(_))) {
            auth.user.refetch();
        }
    });
    let revoke = ServerAction::<RevokeSession>::new();
    // Loaded here, read inside RequireUser (see `page_resource`).
    let profile = page_resource(&[], move || update.version().get(), |_| get_profile());
    let sessions = page_resource(&[], move || revoke.version().get(), |_| list_sessions());
    view! {
        <Title text="Your profile"/>
        <RequireUser>
            <ProfileEditor update=update profile=profile/>
            <PasswordCard/>
            <SessionsCard revoke=revoke sessions=sessions/>
            <YourDataCard/>
        </RequireUser>
    }
}

#[component]
fn ProfileEditor(update: ServerAction<UpdateProfile>, profile: Resource<Option<Result<Profile, ApiError>>>) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Your profile"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || profile.get().flatten().map(|result| match result {
                    Ok(profile) => view! { <ProfileForm profile=profile update=update/> }.into_any(),
                    Err(err) => view! { <ErrorView error=err/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ProfileForm(profile: Profile, update: ServerAction<UpdateProfile>) -> impl IntoView {
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let patient = profile.patient.clone();
    view! {
        <dl class="facts">
            <div><dt>"Role"</dt><dd>{profile.role.label()}</dd></div>
            <div><dt>"Email"</dt><dd>
                {if profile.email_verified {
                    view! { <span class="badge ok">"confirmed"</span> }.into_any()
                } else {
                    view! { <span class="badge warn">"not confirmed — check your inbox"</span> }.into_any()
                }}
            </dd></div>
            <div><dt>"Member since"</dt><dd>{profile.created_at.format("%B %Y").to_string()}</dd></div>
        </dl>
        <ActionForm action=update attr:class="stack" attr:aria-label="Edit profile">
            {action_error(update.value())}
            <Show when=saved><p class="alert success" role="status">"Profile saved."</p></Show>
            <div class="grid two">
                <Field label="Full name" name="name" value=profile.name.clone() required=true autocomplete="name"/>
                <Field label="Email" name="email" kind="email" value=profile.email.clone().unwrap_or_default() required=true autocomplete="email"/>
                <Field label="Phone" name="phone" kind="tel" value=text(&profile.phone) autocomplete="tel"/>
                <Field label="Address" name="address" value=text(&profile.address) autocomplete="street-address"/>
            </div>
            {patient.map(|p| view! {
                <fieldset class="grid two">
                    <legend>"Medical details"</legend>
                    <Field label="Date of birth" name="date_of_birth" kind="date"
                        value=p.date_of_birth.map(|d| d.to_string()).unwrap_or_default() autocomplete="bday"/>
                    <div class="field">
                        <label for="field-gender">"Gender"</label>
                        <select id="field-gender" name="gender">
                            <option value="" selected=p.gender.is_none()>"—"</option>
                            {GENDERS.iter().map(|(value, label)| view! {
                                <option value=*value selected=p.gender.as_deref() == Some(*value)>{*label}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="field-blood_group">"Blood group"</label>
                        <select id="field-blood_group" name="blood_group">
                            <option value="" selected=p.blood_group.is_none()>"Unknown"</option>
                            {BLOOD_GROUPS.iter().map(|group| view! {
                                <option value=*group selected=p.blood_group.as_deref() == Some(*group)>{*group}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <Field label="Emergency contact name" name="emergency_contact_name" value=text(&p.emergency_contact_name)/>
                    <Field label="Emergency contact phone" name="emergency_contact_phone" kind="tel" value=text(&p.emergency_contact_phone)/>
                </fieldset>
            })}
            <button type="submit" class="button primary" disabled=move || update.pending().get()>"Save profile"</button>
        </ActionForm>
    }
}

/// Patients: where their privacy rights live.
#[component]
fn YourDataCard() -> impl IntoView {
    let me = crate::auth::guard::use_user();
    (me.role == crate::auth::Role::Patient).then(|| {
        view! {
            <section class="card">
                <h2>"Your data"</h2>
                <p class="muted">"See who viewed your record, download all your data, or close your account."</p>
                <a class="button" href="/privacy">"Your data and privacy"</a>
            </section>
        }
    })
}

#[component]
fn PasswordCard() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    view! {
        <section class="card">
            <h2>"Password"</h2>
            <p class="muted">"Changing your password signs you out everywhere, this device included."</p>
            <ActionForm action=change attr:class="stack" attr:aria-label="Change password">
                {action_error(change.value())}
                <div class="grid two">
                    <Field label="Current password" name="current_password" kind="password" required=true autocomplete="current-password"/>
                    <Field label="New password" name="new_password" kind="password" required=true autocomplete="new-password"
                        hint="8 to 128 characters; common passwords are refused."/>
                </div>
                <button type="submit" class="button">"Change password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionsCard(revoke: ServerAction<RevokeSession>, sessions: Resource<Option<Result<Vec<SessionInfo>, ApiError>>>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Where you're signed in"</h2>
            {action_error(revoke.value())}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || sessions.get().flatten().map(|result| match result {
                    Ok(list) => view! {
                        <ul class="list">
                            {list.into_iter().map(|s| {
                                let user_agent = s.user_agent.clone().unwrap_or_default();
                                let device = describe_user_agent(&user_agent);
                                let kind = if s.kind == "api" { "API token" } else { "Browser" };
                                view! {
                                    <li class="row">
                                        <div>
                                            <strong>{kind}</strong>
                                            {s.current.then(|| view! { " " <span class="badge ok">"this device"</span> })}
                                            <div class="muted small" title=user_agent>{device}</div>
                                            <div class="muted small">
                                                "Signed in " {format_time(&s.created_at)} " from " {s.ip.clone().unwrap_or_default()}
                                            </div>
                                        </div>
                                        {(!s.current).then(|| view! {
                                            <ActionForm action=revoke attr:class="inline">
                                                <input type="hidden" name="id" value=s.id.to_string()/>
                                                <button type="submit" class="button ghost small">"Sign out"</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="alert error">{err.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
