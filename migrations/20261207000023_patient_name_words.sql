-- Name search at scale (issue 14: p99 < 20 ms on a million patients). A substring search
-- (trigram) ordered by name has to sort every match before it can return the first 20, and a
-- common surname matches tens of thousands of patients. Instead each patient's name is split
-- into its words, kept here beside the name, and searched by word prefix: "mens" is the range
-- ['mens', 'ment') of one btree, already in (word, name) order, so the first page is read
-- straight off the index, however common the name.
--
-- Kept by a trigger on users (so every way a patient is created or renamed keeps it right) and
-- removed with the user. COLLATE "C": byte order is code point order for UTF-8, which makes
-- the prefix range exact.
CREATE TABLE patient_name_words (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    word    TEXT COLLATE "C" NOT NULL CHECK (word <> ''),
    name    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, word)
);
CREATE INDEX patient_name_words_search_idx ON patient_name_words (word, name, user_id);

-- The words of a name: lower case, split at anything that is not a letter or digit
-- ("Quixote-Marsh" is "quixote" and "marsh"; "O'Brien" is "o" and "brien").
CREATE FUNCTION name_words(name TEXT) RETURNS SETOF TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT DISTINCT w FROM regexp_split_to_table(lower(name), '[^[:alnum:]]+') AS w WHERE w <> '' $$;

CREATE FUNCTION index_patient_name() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM patient_name_words WHERE user_id = OLD.id;
    END IF;
    IF NEW.role = 'patient' THEN
        INSERT INTO patient_name_words (user_id, word, name)
        SELECT NEW.id, w, NEW.name FROM name_words(NEW.name) AS w;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER users_index_patient_name
    AFTER INSERT OR UPDATE OF name, role ON users
    FOR EACH ROW EXECUTE FUNCTION index_patient_name();

INSERT INTO patient_name_words (user_id, word, name)
SELECT u.id, w, u.name FROM users u, LATERAL name_words(u.name) AS w WHERE u.role = 'patient';

-- The whole registry by name (nothing typed): read in order from an index, not sorted.
CREATE INDEX users_patient_name_idx ON users (name, id) WHERE role = 'patient';
