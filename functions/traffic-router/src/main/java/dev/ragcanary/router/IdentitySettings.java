package dev.ragcanary.router;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the router finds the caller's identity (docs/deploy.md, "Front door"). The tenant and user headers are the
 * router's own: with {@link Source#AUTHORIZER} it replaces whatever the client sent in them with the verified values
 * (or removes them), so a rollout keyed by one of them and the routed function both see only verified values.
 *
 * @param source       the authorizer context of the event, or headers the front door sets
 * @param tenantClaim  JWT claim naming the tenant
 * @param userClaim    JWT claim naming the user
 * @param tenantHeader header (lower case) carrying the verified tenant
 * @param userHeader   header (lower case) carrying the verified user
 * @param required     a request without any identity is refused with 401
 */
public record IdentitySettings(Source source, String tenantClaim, String userClaim, String tenantHeader,
                               String userHeader, boolean required) {
    public enum Source {
        /**
         * {@code requestContext.authorizer}: a JWT authorizer's claims, or an IAM caller (API Gateway HTTP API with
         * IAM authorization, or a Function URL with AWS_IAM): tenant = the caller's account, user = its ARN.
         */
        AUTHORIZER,
        /** The tenant and user headers, set by a front door without an authorizer, which strips them from clients. */
        HEADER
    }

    public static final String DEFAULT_TENANT_CLAIM = "tenant_id";
    public static final String DEFAULT_USER_CLAIM = "sub";
    public static final String DEFAULT_TENANT_HEADER = "x-tenant-id";
    public static final String DEFAULT_USER_HEADER = "x-user-id";
    /** API Gateway parameter mapping accepts only letters, digits, '.' and '_' in a context variable's name. */
    private static final Pattern CLAIM = Pattern.compile("[A-Za-z0-9_]{1,128}");
    private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]{1,128}");

    public IdentitySettings {
        requireMatch("TENANT_CLAIM", tenantClaim, CLAIM);
        requireMatch("USER_CLAIM", userClaim, CLAIM);
        requireMatch("TENANT_HEADER", tenantHeader, HEADER);
        requireMatch("USER_HEADER", userHeader, HEADER);
        if (tenantHeader.equals(userHeader)) {
            throw new IllegalArgumentException("TENANT_HEADER and USER_HEADER must differ, both are " + tenantHeader);
        }
    }

    /** The defaults: identity from the authorizer context, required. */
    public static IdentitySettings fromAuthorizer() {
        return new IdentitySettings(Source.AUTHORIZER, DEFAULT_TENANT_CLAIM, DEFAULT_USER_CLAIM, DEFAULT_TENANT_HEADER,
                DEFAULT_USER_HEADER, true);
    }

    /**
     * From {@code IDENTITY_SOURCE} ({@code authorizer} or {@code header}), {@code IDENTITY_REQUIRED},
     * {@code TENANT_CLAIM}, {@code USER_CLAIM}, {@code TENANT_HEADER} and {@code USER_HEADER}, each with its default.
     *
     * @throws IllegalArgumentException naming the variable whose value is not allowed
     */
    public static IdentitySettings fromEnvironment(Map<String, String> env) {
        String source = env.getOrDefault("IDENTITY_SOURCE", "authorizer").toLowerCase(Locale.ROOT);
        if (!source.equals("authorizer") && !source.equals("header")) {
            throw new IllegalArgumentException("IDENTITY_SOURCE must be authorizer or header, not '" + source + "'");
        }
        String required = env.getOrDefault("IDENTITY_REQUIRED", "true").toLowerCase(Locale.ROOT);
        if (!required.equals("true") && !required.equals("false")) {
            throw new IllegalArgumentException("IDENTITY_REQUIRED must be true or false, not '" + required + "'");
        }
        return new IdentitySettings(Source.valueOf(source.toUpperCase(Locale.ROOT)),
                env.getOrDefault("TENANT_CLAIM", DEFAULT_TENANT_CLAIM), env.getOrDefault("USER_CLAIM", DEFAULT_USER_CLAIM),
                env.getOrDefault("TENANT_HEADER", DEFAULT_TENANT_HEADER).toLowerCase(Locale.ROOT),
                env.getOrDefault("USER_HEADER", DEFAULT_USER_HEADER).toLowerCase(Locale.ROOT),
                Boolean.parseBoolean(required));
    }

    /**
     * The caller's identity in {@code event} (its headers already read, names in lower case). A JWT authorizer's
     * claims win over an IAM caller; values that are empty or not scalars count as absent.
     */
    CallerIdentity read(JsonNode event, Map<String, String> headers) {
        if (source == Source.HEADER) {
            return identity(headers.get(tenantHeader), headers.get(userHeader));
        }
        JsonNode authorizer = event.path("requestContext").path("authorizer");
        JsonNode claims = authorizer.path("jwt").path("claims");
        if (claims.isObject()) {
            return identity(text(claims.get(tenantClaim)), text(claims.get(userClaim)));
        }
        JsonNode iam = authorizer.path("iam");
        if (iam.isObject()) {
            return identity(text(iam.get("accountId")), text(iam.get("userArn")));
        }
        return CallerIdentity.NONE;
    }

    /** Where a refused request should have carried its identity, for the 401 body. */
    String expected() {
        return source == Source.HEADER
                ? "header " + tenantHeader + " or " + userHeader + ", set by the front door"
                : "requestContext.authorizer.jwt.claims." + tenantClaim + " or ." + userClaim
                        + ", or requestContext.authorizer.iam";
    }

    private static CallerIdentity identity(String tenant, String user) {
        return new CallerIdentity(blankToNull(tenant), blankToNull(user));
    }

    private static String text(JsonNode value) {
        return value == null || !value.isValueNode() || value.isNull() ? null : value.asText();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void requireMatch(String name, String value, Pattern pattern) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " '" + value + "' must match " + pattern.pattern());
        }
    }
}
