-- Questions to doctors (SPEC feature 7): a patient asks one of their doctors, or the clinic's
-- doctors (doctor_id NULL until the first doctor who answers claims it). The thread's later
-- messages (answers and the patient's follow-ups) are rows of question_messages.
CREATE TYPE question_status AS ENUM ('pending', 'answered', 'closed');

CREATE TABLE questions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id        BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    -- The doctor it is for: chosen by the patient (addressed) or the one who claimed it.
    -- A doctor who leaves the clinic keeps their account (deactivated), so this stays.
    doctor_id         BIGINT REFERENCES doctors (id) ON DELETE SET NULL,
    addressed         BOOLEAN NOT NULL,
    question_text     TEXT NOT NULL CHECK (length(question_text) BETWEEN 1 AND 4000),
    status            question_status NOT NULL DEFAULT 'pending',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    first_answered_at TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (NOT addressed OR doctor_id IS NOT NULL OR status = 'closed'),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- The doctors' queue (pending, oldest first) and each side's own list.
CREATE INDEX questions_pending_idx ON questions (created_at, id) WHERE status = 'pending';
CREATE INDEX questions_patient_idx ON questions (patient_id, created_at DESC);
CREATE INDEX questions_doctor_idx ON questions (doctor_id, created_at DESC) WHERE doctor_id IS NOT NULL;
CREATE TRIGGER questions_updated_at BEFORE UPDATE ON questions FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TYPE question_message_kind AS ENUM ('response', 'follow_up');

CREATE TABLE question_messages (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    -- The patient the thread is about (export and erasure find it by this key).
    patient_id  BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    kind        question_message_kind NOT NULL,
    -- A plain user id, as in the chart's tables: a colleague's account closing doesn't take
    -- the patient's answers with it.
    author_id   BIGINT NOT NULL,
    body        TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX question_messages_question_idx ON question_messages (question_id, id);
