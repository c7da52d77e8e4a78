"""Mail: the outbox, its delivery worker, and the messages the site sends."""
