-- +goose Up
-- Issue 11, "nothing for nothing": an answer waiting is a reason to write to
-- the payer (bundler.reasonDay), so a new message on one of its threads
-- makes the planner decide the payer again (migration 00014's queue). A
-- payer's own reply can end an answer's wait; it is listed too. Holds
-- lifted or ended are covered by 00014's triggers on holds and by
-- next_plan_at waking at a hold's end.
-- +goose StatementBegin
CREATE FUNCTION plan_thread_message_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM threads WHERE id = NEW.thread_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER thread_messages_plan AFTER INSERT ON thread_messages
    FOR EACH ROW EXECUTE FUNCTION plan_thread_message_added();

-- +goose Down
DROP TRIGGER thread_messages_plan ON thread_messages;
DROP FUNCTION plan_thread_message_added();
