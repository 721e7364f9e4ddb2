package dev.ragcanary.egress;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * A partner endpoint the function posts events to.
 *
 * @param name short name, part of every dedupe key and of the telemetry ("billing", "audit")
 * @param url  http(s) URL the events are POSTed to
 */
public record Webhook(String name, URI url) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public Webhook {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("webhook name must be 1-64 of [A-Za-z0-9._-] but was " + name);
        }
        if (url == null || url.getHost() == null
                || !("http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()))) {
            throw new IllegalArgumentException("webhook url must be an absolute http(s) URL but was " + url);
        }
    }

    public static Webhook of(String name, String url) {
        URI parsed;
        try {
            parsed = URI.create(url);
        } catch (IllegalArgumentException | NullPointerException notAUri) {
            throw new IllegalArgumentException("webhook url must be an absolute http(s) URL but was " + url, notAUri);
        }
        return new Webhook(name, parsed);
    }
}
