package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterIdentityConfigTest {

    private static RouterIdentityConfig read(Map<String, Object> context) {
        return ControllerConfig.fromContext(context::get).routerIdentity();
    }

    @Test
    void withoutTheDemoThereIsNoHttpApiUnlessAskedAndTheRouterReadsTheAuthorizerWithTheDefaultNames() {
        RouterIdentityConfig identity = read(Map.of("targetFunctions", "rag-answer"));

        assertThat(identity.httpApi()).isEmpty();
        assertThat(identity.warmPingMinutes()).isEqualTo(5);
        assertThat(identity.routerEnvironment()).isEqualTo(Map.of(
                "IDENTITY_SOURCE", "authorizer", "IDENTITY_REQUIRED", "true", "TENANT_CLAIM", "tenant_id",
                "USER_CLAIM", "sub", "TENANT_HEADER", "x-tenant-id", "USER_HEADER", "x-user-id"));
    }

    @Test
    void theDemoHasTheHttpApiWithThePlaceholderIssuerUntilOneIsSet() {
        RouterIdentityConfig demo = read(Map.of("demoTarget", "true"));
        RouterIdentityConfig configured = read(Map.of("demoTarget", "true",
                "jwtIssuer", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1", "jwtAudience", "app-1"));

        assertThat(demo.httpApi()).hasValue(new RouterIdentityConfig.HttpApiConfig(
                RouterIdentityConfig.DEMO_PLACEHOLDER_ISSUER, List.of("rag-canary-demo"), 50, 100));
        assertThat(configured.httpApi().orElseThrow().jwtIssuer())
                .isEqualTo("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1");
        assertThat(configured.httpApi().orElseThrow().jwtAudience()).containsExactly("app-1");
        assertThat(read(Map.of("demoTarget", "true", "frontDoor", "false")).httpApi()).isEmpty();
    }

    @Test
    void everyBadFrontDoorSettingIsNamed() {
        assertThatThrownBy(() -> read(Map.of("targetFunctions", "rag-answer", "frontDoor", "true",
                "tenantClaim", "custom:tenant", "userHeader", "X-Amzn-User", "tenantHeader", "x-warm",
                "routerIdentity", "cookie", "frontDoorRateLimit", "0", "warmPingMinutes", "often")))
                .hasMessageContaining("context 'jwtIssuer': required with frontDoor=true")
                .hasMessageContaining("context 'jwtAudience': required with frontDoor=true")
                .hasMessageContaining("context 'tenantClaim': 'custom:tenant' must be 1-128 letters, digits or '_'")
                .hasMessageContaining("context 'userHeader': 'x-amzn-user' is reserved")
                .hasMessageContaining("context 'tenantHeader': 'x-warm' is reserved")
                .hasMessageContaining("context 'routerIdentity': 'cookie' must be authorizer or header")
                .hasMessageContaining("context 'frontDoorRateLimit': expected a whole number from 1 to 10000, found '0'")
                .hasMessageContaining("context 'warmPingMinutes': expected a whole number from 0 to 1440, found 'often'");
        assertThatThrownBy(() -> read(Map.of("demoTarget", "true", "jwtIssuer", "http://idp.example.com",
                "userHeader", "x-tenant-id")))
                .hasMessageContaining("context 'jwtIssuer': 'http://idp.example.com' must be an https:// URL")
                .hasMessageContaining("context 'userHeader': must differ from tenantHeader (x-tenant-id)");
    }
}
