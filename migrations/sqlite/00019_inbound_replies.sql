-- +goose Up
-- Reply-To tokens: the opaque part of reply+<token>@<inbound domain>. The
-- token says nothing by itself; this row says what a reply to it answers
-- (a digest, an answer notification's thread, a team notification's
-- thread) and until when.
CREATE TABLE reply_tokens (
    token      TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('digest', 'thread', 'team')),
    payer_id   INTEGER NOT NULL REFERENCES payers (id),
    digest_id  INTEGER REFERENCES digests (id),
    thread_id  INTEGER REFERENCES threads (id),
    vendor_id  INTEGER REFERENCES vendors (id),
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);

-- Every inbound reply, once: message_id (the Message-ID, else a hash of the
-- message) makes a second delivery of the same message a no-op. Held
-- replies wait here for the payer to choose a vendor.
CREATE TABLE inbound_replies (
    id         INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    source     TEXT NOT NULL,
    token      TEXT NOT NULL DEFAULT '',
    payer_id   INTEGER REFERENCES payers (id),
    digest_id  INTEGER REFERENCES digests (id),
    from_addr  TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL CHECK (status IN ('received', 'routed', 'held', 'rejected', 'ignored')),
    reason     TEXT NOT NULL DEFAULT '',
    spf        TEXT NOT NULL DEFAULT '',
    dkim       TEXT NOT NULL DEFAULT '',
    thread_ids TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX inbound_replies_held ON inbound_replies (payer_id, id) WHERE status = 'held';
CREATE INDEX inbound_replies_from ON inbound_replies (from_addr, created_at);

-- Files attached to a routed or held reply, up to 10 MB each; the content
-- type is sniffed from the bytes, never taken from the sender.
CREATE TABLE reply_attachments (
    id           INTEGER PRIMARY KEY,
    reply_id     INTEGER NOT NULL REFERENCES inbound_replies (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX reply_attachments_reply ON reply_attachments (reply_id);

-- +goose Down
DROP TABLE reply_attachments;
DROP TABLE inbound_replies;
DROP TABLE reply_tokens;
