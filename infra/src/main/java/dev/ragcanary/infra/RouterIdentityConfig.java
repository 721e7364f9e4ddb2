package dev.ragcanary.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Who the router believes a caller is, its optional API Gateway front door and its warm-up schedule (docs/deploy.md,
 * "Front door"), read from CDK context by {@link #fromContext}.
 *
 * @param source          where the router reads identity: {@code authorizer} (the event's authorizer context) or
 *                        {@code header} (the tenant and user headers, set by a front door that strips them from clients)
 * @param tenantClaim     JWT claim naming the tenant
 * @param userClaim       JWT claim naming the user
 * @param tenantHeader    header carrying the verified tenant to the router and the routed function
 * @param userHeader      header carrying the verified user
 * @param httpApi         the HTTP API with a JWT authorizer in front of the router, if any
 * @param warmPingMinutes minutes between the scheduled warm-up pings; 0 for none
 */
public record RouterIdentityConfig(String source, String tenantClaim, String userClaim, String tenantHeader,
                                   String userHeader, Optional<HttpApiConfig> httpApi, int warmPingMinutes) {

    /**
     * @param jwtIssuer   the identity provider's issuer URL
     * @param jwtAudience accepted {@code aud} values (at least one)
     * @param rateLimit   steady requests per second on the stage
     * @param burstLimit  burst on the stage
     */
    public record HttpApiConfig(String jwtIssuer, List<String> jwtAudience, int rateLimit, int burstLimit) {
        public HttpApiConfig {
            jwtAudience = List.copyOf(jwtAudience);
        }
    }

    public static final String FRONT_DOOR = "frontDoor";
    public static final String JWT_ISSUER = "jwtIssuer";
    public static final String JWT_AUDIENCE = "jwtAudience";
    public static final String FRONT_DOOR_RATE_LIMIT = "frontDoorRateLimit";
    public static final String FRONT_DOOR_BURST_LIMIT = "frontDoorBurstLimit";
    public static final String ROUTER_IDENTITY = "routerIdentity";
    public static final String TENANT_CLAIM = "tenantClaim";
    public static final String USER_CLAIM = "userClaim";
    public static final String TENANT_HEADER = "tenantHeader";
    public static final String USER_HEADER = "userHeader";
    public static final String WARM_PING_MINUTES = "warmPingMinutes";

    /**
     * The demo's issuer until you set {@code jwtIssuer}: the reserved {@code .invalid} domain never resolves, so the
     * demo's front door deploys but lets no request through.
     */
    public static final String DEMO_PLACEHOLDER_ISSUER = "https://set-jwtIssuer.invalid";
    public static final List<String> DEMO_AUDIENCE = List.of("rag-canary-demo");

    /** API Gateway parameter mapping accepts only letters, digits, '.' and '_' in a context variable's name. */
    private static final Pattern CLAIM = Pattern.compile("[A-Za-z0-9_]{1,128}");
    private static final Pattern HEADER = Pattern.compile("[a-z0-9-]{1,128}");
    /** Headers API Gateway does not let a parameter mapping set (docs: "Reserved headers"). */
    private static final List<String> RESERVED_HEADER_PREFIXES = List.of("x-amz", "apigw-", "access-control-");
    private static final Set<String> RESERVED_HEADERS = Set.of("authorization", "connection", "content-encoding",
            "content-length", "content-location", "forwarded", "keep-alive", "origin", "proxy-authenticate",
            "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade", "x-warm");

    /** The router's environment for these settings (read by the router's IdentitySettings). */
    public Map<String, String> routerEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("IDENTITY_SOURCE", source);
        env.put("IDENTITY_REQUIRED", "true");
        env.put("TENANT_CLAIM", tenantClaim);
        env.put("USER_CLAIM", userClaim);
        env.put("TENANT_HEADER", tenantHeader);
        env.put("USER_HEADER", userHeader);
        return env;
    }

    /**
     * Reads the keys above; the HTTP API is on by default when {@code demoTarget} is, with the demo placeholders for
     * issuer and audience. Every problem is added to {@code problems}.
     */
    static RouterIdentityConfig fromContext(Function<String, Object> context, boolean demoTarget,
                                            List<String> problems) {
        String source = ControllerConfig.readString(context, ROUTER_IDENTITY).orElse("authorizer");
        if (!source.equals("authorizer") && !source.equals("header")) {
            problems.add("context '" + ROUTER_IDENTITY + "': '" + source + "' must be authorizer or header");
        }
        String tenantClaim = claim(context, TENANT_CLAIM, "tenant_id", problems);
        String userClaim = claim(context, USER_CLAIM, "sub", problems);
        String tenantHeader = header(context, TENANT_HEADER, "x-tenant-id", problems);
        String userHeader = header(context, USER_HEADER, "x-user-id", problems);
        if (tenantHeader.equals(userHeader)) {
            problems.add("context '" + USER_HEADER + "': must differ from " + TENANT_HEADER + " (" + tenantHeader + ")");
        }
        Optional<HttpApiConfig> httpApi = Optional.empty();
        if (ControllerConfig.readSwitch(context, FRONT_DOOR, demoTarget, problems)) {
            Optional<String> issuer = ControllerConfig.readString(context, JWT_ISSUER);
            List<String> audience = ControllerConfig.readList(context, JWT_AUDIENCE, problems);
            if (issuer.isEmpty() && !demoTarget) {
                problems.add("context '" + JWT_ISSUER + "': required with " + FRONT_DOOR + "=true: your identity "
                        + "provider's issuer URL (e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example)");
            }
            issuer.filter(i -> !i.startsWith("https://")).ifPresent(i -> problems.add(
                    "context '" + JWT_ISSUER + "': '" + i + "' must be an https:// URL"));
            if (audience.isEmpty() && !demoTarget) {
                problems.add("context '" + JWT_AUDIENCE + "': required with " + FRONT_DOOR + "=true: the aud values "
                        + "(app client ids) your tokens carry");
            }
            httpApi = Optional.of(new HttpApiConfig(issuer.orElse(DEMO_PLACEHOLDER_ISSUER),
                    audience.isEmpty() ? DEMO_AUDIENCE : audience,
                    number(context, FRONT_DOOR_RATE_LIMIT, 50, 1, 10_000, problems),
                    number(context, FRONT_DOOR_BURST_LIMIT, 100, 1, 5_000, problems)));
        }
        int warmPingMinutes = number(context, WARM_PING_MINUTES, 5, 0, 1440, problems);
        return new RouterIdentityConfig(source, tenantClaim, userClaim, tenantHeader, userHeader, httpApi,
                warmPingMinutes);
    }

    private static String claim(Function<String, Object> context, String key, String defaultValue,
                                List<String> problems) {
        String claim = ControllerConfig.readString(context, key).orElse(defaultValue);
        if (!CLAIM.matcher(claim).matches()) {
            problems.add("context '" + key + "': '" + claim + "' must be 1-128 letters, digits or '_' "
                    + "(API Gateway maps no other characters from a claim)");
        }
        return claim;
    }

    private static String header(Function<String, Object> context, String key, String defaultValue,
                                 List<String> problems) {
        String header = ControllerConfig.readString(context, key).orElse(defaultValue).toLowerCase(Locale.ROOT);
        if (!HEADER.matcher(header).matches()) {
            problems.add("context '" + key + "': '" + header + "' must be 1-128 letters, digits or '-'");
        } else if (RESERVED_HEADERS.contains(header) || RESERVED_HEADER_PREFIXES.stream().anyMatch(header::startsWith)) {
            problems.add("context '" + key + "': '" + header + "' is reserved (API Gateway cannot set it, or the "
                    + "router owns it)");
        }
        return header;
    }

    private static int number(Function<String, Object> context, String key, int defaultValue, int min, int max,
                              List<String> problems) {
        Object value = context.apply(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            int number = Integer.parseInt(value.toString().trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException notANumber) {
            // reported below with the allowed range
        }
        problems.add("context '" + key + "': expected a whole number from " + min + " to " + max + ", found '"
                + value + "'");
        return defaultValue;
    }
}
