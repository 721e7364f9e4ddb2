package dev.ragcanary.infra;

import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.scheduler.Schedule;
import software.amazon.awscdk.services.scheduler.ScheduleExpression;
import software.amazon.awscdk.services.scheduler.ScheduleTargetInput;
import software.amazon.awscdk.services.scheduler.targets.LambdaInvoke;
import software.amazon.awscdk.services.scheduler.targets.ScheduleTargetBaseProps;
import software.constructs.Construct;

/**
 * The only source of warm-up pings: an EventBridge Scheduler schedule that invokes the router function directly with
 * {@value #PING_SOURCE} as the event's {@code source}. Only a principal allowed {@code lambda:InvokeFunction} on the
 * router can send that event (API Gateway and Function URLs deliver HTTP events, never it), and the schedule's role
 * may invoke the router and nothing else. A missed ping is not worth a retry: the next one comes in minutes.
 */
public class RouterWarmUp extends Construct {
    /** What the router recognises as a warm-up ping (dev.ragcanary.router.WarmPing). */
    public static final String PING_SOURCE = "rag-canary.warm";

    public RouterWarmUp(Construct scope, String id, IFunction router, int everyMinutes) {
        super(scope, id);
        Role role = Role.Builder.create(this, "Role")
                // Only schedules of this account may assume it (confused-deputy guard).
                .assumedBy(new ServicePrincipal("scheduler.amazonaws.com").withConditions(Map.of(
                        "StringEquals", Map.of("aws:SourceAccount", Stack.of(this).getAccount()))))
                .description("EventBridge Scheduler: invokes the rag-canary router with the warm-up ping, nothing else")
                .build();
        Schedule.Builder.create(this, "Schedule")
                .description("Warm-up ping: the router invokes every version users can reach now, uncounted")
                .schedule(ScheduleExpression.rate(Duration.minutes(everyMinutes)))
                .target(new LambdaInvoke(router, ScheduleTargetBaseProps.builder()
                        .role(role)
                        .input(ScheduleTargetInput.fromObject(Map.of("source", PING_SOURCE)))
                        .retryAttempts(0)
                        .maxEventAge(Duration.minutes(1))
                        .build()))
                .build();
    }
}
