"""HTTP functions: channel webhooks in, durable conversations started or signalled."""
