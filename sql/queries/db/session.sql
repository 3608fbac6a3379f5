-- Every session's settings, once connected: times are read and written in
-- UTC, and the server's notices below warning are not sent.  No parameters.
SELECT set_config('TimeZone', 'UTC', false), set_config('client_min_messages', 'warning', false)
