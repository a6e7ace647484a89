-- Teleconsult Connector: jitsi-contrib event_sync component (room and occupant events).
-- Copy to ${CONFIG}/prosody/config/conf.d/event-sync.cfg.lua of docker-jitsi-meet (Prosody
-- includes conf.d/*.cfg.lua), replace the host names and the token, restart prosody.
-- The module ships in the prosody image under /prosody-plugins-contrib.
-- https://github.com/jitsi-contrib/prosody-plugins/tree/main/event_sync

Component "esync.meet.clinic.example" "event_sync_component"
    -- XMPP_MUC_DOMAIN of docker-jitsi-meet.env
    muc_component = "muc.meet.clinic.example"

    -- event_sync appends /events/room/created, /events/room/destroyed,
    -- /events/occupant/joined and /events/occupant/left to this prefix.
    api_prefix = "https://connector.clinic.example/webhooks/jitsi"

    -- Same value as the connector's JITSI_EVENTS_TOKEN.
    api_headers = {
        ["Authorization"] = "Bearer CHANGE_ME_same_as_event_sync_bearer_token";
    }

    api_timeout = 10
    api_retry_count = 5
    api_retry_delay = 2

    -- Only id, name and email from the token; no speaker statistics.
    include_user_info = false
    include_speaker_stats = false
