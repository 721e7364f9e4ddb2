// Runs a state machine file with aws-local-stepfunctions the way Step Functions would run it in AWS, for the local
// rehearsal and the scenario tests. The Java side (dev.ragcanary.local.LocalExecution) starts this script,
// writes one JSON configuration line to stdin, then may write "abort" lines; this script writes one JSON event per
// line to stdout and a final {"type":"result"} line.
//
// - `${Placeholder}` substitutions are filled like the CDK stack fills them (a placeholder this script does not know
//   fails the run, so the list in statemachine/README.md stays complete).
// - Lambda Task states are sent to the local Lambda Invoke API endpoint (the real Java handlers); service
//   integrations that have no local engine go to named local stand-ins on the same endpoint.
// - states:startExecution.sync:2 runs the target state machine file as a nested execution.
// - The root execution is named by the Java side (`executionName`), so two runner processes started for the same
//   rollout have different execution ARNs, as two Step Functions executions do.
// - Wait states take no real time unless a speed is set; a virtual clock advances by what they would have waited,
//   and $$.State.EnteredTime reads that clock, so the gate sees bake windows of their real length.
// - The context object has what Step Functions gives a state: $$.State.Name, $$.State.EnteredTime (fixed when the
//   state is entered, the same for each retry of it) and $$.State.RetryCount, so client tokens built from them
//   behave as in AWS.
// - A stop (an "abort" line, or `abortOn` in the configuration: on entry to a named state, or to the machine's first
//   state, optionally only in executions of one stage) schedules no further Task: a Task already running finishes, as
//   a Lambda invoked by a stopped execution does.
// - Nested executions are named after the root (rollout-1-stage-3), so names stay unique across the runners of one
//   local rollout, as Step Functions execution names are. Each is announced to the endpoint's
//   `local-execution-started` function and runs only once it has answered: the Java side then knows which stage runs
//   before any of its Tasks calls the simulated fleet (the events on stdout reach Java on another thread, so they
//   cannot order that).

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22+); Node 20 needs it defined before the import.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { StateMachine } = await import('aws-local-stepfunctions');
const { readFileSync } = await import('node:fs');
const { createInterface } = await import('node:readline');

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
// aws-local-stepfunctions resolves a Task's TimeoutSecondsPath against the Parameters output, Step Functions against
// the state input. Locally a person's answer (or its timeout) comes from the approval policy at once, so the path is
// replaced by a fixed ceiling that never fires first.
const LOCAL_TASK_TIMEOUT_SECONDS = 24 * 3600;

/** Integration resources without a local engine -> the endpoint function that stands in for them. */
const STAND_INS = {
  'arn:aws:states:::sns:publish.waitForTaskToken': 'local-approvals',
  'arn:aws:states:::aws-sdk:s3:putObject': 'local-evidence-archive',
  // Another rollout execution's status, as the Java side knows it (it may run in another runner process).
  'arn:aws:states:::aws-sdk:sfn:describeExecution': 'local-describe-execution',
};

const lines = createInterface({ input: process.stdin });
const firstLine = await new Promise((resolve) => lines.once('line', resolve));
const config = JSON.parse(firstLine);

const substitutions = {
  WeightShifterFunctionArn: lambdaArn('weight-shifter'),
  ProbeReplayFunctionArn: lambdaArn('probe-replay'),
  GateEvaluationFunctionArn: lambdaArn('gate-evaluation'),
  StageStateMachineArn: stateMachineArn('stage'),
  ApprovalTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:rag-canary-approvals`,
  EvidenceBucketName: 'rag-canary-evidence-local',
};

/** machine name -> parsed definition; machines are named by their file (stage.asl.json -> "stage"). */
const machines = {};
for (const [name, file] of Object.entries(config.machines)) {
  machines[name] = load(file);
}

// Virtual time moves only with Wait states (and by one millisecond per reading, so it never stands still): the same
// scenario gives the same windows, the same traffic and the same verdicts on every run, however busy the machine.
const clock = {
  virtualMs: Date.parse(config.clockStart ?? new Date().toISOString()),
  now() {
    this.virtualMs += 1;
    return new Date(this.virtualMs).toISOString();
  },
  /** For event reports: reads without moving, so reporting cannot change what the state machine sees. */
  peek() {
    return new Date(this.virtualMs).toISOString();
  },
  advance(seconds) {
    this.virtualMs += seconds * 1000;
  },
};
const realMsPerVirtualSecond = config.realMsPerVirtualSecond ?? 0;

const running = new Set();
/** Nested executions' runs: a stop ends the root before they have reported how they ended, and the result waits. */
const nestedExecutions = [];
const stats = { executions: [], maxPayloadBytes: 0, maxPayloadState: null };
let executionCounter = 0;
let aborted = false;
/** `abortOn` with its state resolved: when it names none, the machine's first state (its stage starts). */
const abortOn = config.abortOn && {
  ...config.abortOn,
  state: config.abortOn.state ?? machines[config.abortOn.machine].StartAt,
};
/** How many times the `abortOn` state has been entered (in executions of its stage, when it names one). */
let abortOnEntries = 0;

lines.on('line', (line) => {
  if (line.trim() === 'abort') {
    abortAll();
  }
});

function abortAll() {
  aborted = true;
  for (const execution of running) {
    execution.abort();
  }
}

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function lambdaArn(name) {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
}

function stateMachineArn(name) {
  return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
}

function load(file) {
  const text = readFileSync(file, 'utf8').replace(/\$\{([A-Za-z0-9]+)\}/g, (match, key) => {
    if (!(key in substitutions)) {
      throw new Error(`${file}: no local value for placeholder ${match}; add it to run-execution.mjs and statemachine/README.md`);
    }
    return substitutions[key];
  });
  return adaptForLocalRun(JSON.parse(text));
}

/** Local adaptations of a definition; see LOCAL_TASK_TIMEOUT_SECONDS. */
function adaptForLocalRun(definition) {
  for (const state of Object.values(definition.States)) {
    if (state.Type === 'Task' && state.TimeoutSecondsPath) {
      delete state.TimeoutSecondsPath;
      state.TimeoutSeconds = LOCAL_TASK_TIMEOUT_SECONDS;
    }
  }
  return definition;
}

function readPath(document, path) {
  return path.replace(/^\$\.?/, '').split('.').filter(Boolean).reduce((value, key) => value?.[key], document);
}

/** Invokes a function on the local Lambda endpoint; a function error becomes a Task error named by its errorType. */
async function invoke(functionName, payload) {
  const response = await fetch(`${config.endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const body = await response.text();
  if (response.status !== 200) {
    throw namedError('Lambda.ResourceNotFoundException', `${response.status} from ${functionName}: ${body}`);
  }
  if (response.headers.get('x-amz-function-error')) {
    const error = JSON.parse(body);
    // Step Functions names a Lambda task error by the function's errorType; the cause is the error payload.
    throw namedError(error.errorType ?? 'Lambda.Unknown', body);
  }
  return body.length === 0 ? null : JSON.parse(body);
}

function namedError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

function functionNameOf(resource) {
  const match = /^arn:aws:lambda:[^:]+:\d{12}:function:([^:]+)$/.exec(resource);
  return match ? match[1] : STAND_INS[resource];
}

/**
 * Handlers keyed by state name, as aws-local-stepfunctions expects them. Each call counts as one attempt of the
 * state entry ($$.State.RetryCount of the next one); a stopped execution starts no new Task.
 */
function taskHandlers(definition, executionName, entry) {
  const handlers = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') {
      continue;
    }
    let run;
    if (state.Resource.startsWith('arn:aws:states:::states:startExecution.sync')) {
      run = (input) => runNested(input, executionName);
    } else {
      const functionName = functionNameOf(state.Resource);
      if (!functionName) {
        throw new Error(`state "${stateName}": resource ${state.Resource} has no local handler`);
      }
      run = (input) => invoke(functionName, input);
    }
    handlers[stateName] = async (input) => {
      if (aborted && !(abortOn?.letTaskRun && entry.name === abortOn.state)) {
        throw namedError('States.Runtime', 'execution stopped');
      }
      try {
        return await run(input);
      } finally {
        entry.attempts++;
      }
    };
  }
  return handlers;
}

/**
 * The definition as the interpreter sees it: reading a state to enter it records the entry (name, entered time,
 * attempts) for the context object, and stops every execution when it is the configured `abortOn` state (in an
 * execution of its stage, when it names one: the stage machine's input has `stage`).
 */
function trackingEntries(definition, machineName, entry, input) {
  const states = new Proxy(definition.States, {
    get(target, name) {
      if (typeof name === 'string' && name in target) {
        entry.name = name;
        entry.enteredTime = clock.now();
        entry.attempts = 0;
        if (abortOn && abortOn.machine === machineName && abortOn.state === name
            && (abortOn.stage == null || abortOn.stage === input?.stage)
            && ++abortOnEntries === (abortOn.occurrence ?? 1)) {
          abortAll();
        }
      }
      return target[name];
    },
  });
  return { ...definition, States: states };
}

/** Wait states: no real wait (or a scaled one); the virtual clock moves on by the time they stand for. */
function waitOverrides(definition, executionInput) {
  const overrides = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Wait') {
      continue;
    }
    Object.defineProperty(overrides, stateName, {
      enumerable: true,
      get() {
        // Local simplification: a SecondsPath names a field of the execution input that no earlier state changes.
        const seconds = state.Seconds ?? (state.SecondsPath ? Number(readPath(executionInput, state.SecondsPath)) : 0);
        clock.advance(seconds);
        return Math.round(seconds * realMsPerVirtualSecond);
      },
    });
  }
  return overrides;
}

/** states:startExecution.sync:2 -> a nested execution; its result has the DescribeExecution shape. */
async function runNested(parameters, parentName) {
  const machineName = parameters.StateMachineArn.split(':').pop();
  if (!machines[machineName]) {
    throw namedError('StepFunctions.StateMachineDoesNotExistException', `no local machine ${machineName}`);
  }
  const input = typeof parameters.Input === 'string' ? JSON.parse(parameters.Input) : parameters.Input;
  const name = `${config.executionName}-${machineName}-${++executionCounter}`;
  await invoke('local-execution-started', { execution: name, machine: machineName, parent: parentName, input });
  const nested = execute(machineName, input, parentName, name);
  nestedExecutions.push(nested);
  const outcome = await nested;
  const description = {
    ExecutionArn: outcome.executionArn,
    StateMachineArn: parameters.StateMachineArn,
    Name: outcome.name,
    Status: outcome.status,
    Input: input,
  };
  if (outcome.status === 'SUCCEEDED') {
    return { ...description, Output: outcome.output };
  }
  throw namedError('States.TaskFailed', JSON.stringify({ ...description, Error: outcome.error, Cause: outcome.cause }));
}

/** One execution: events streamed to stdout, transitions and payload sizes counted. */
async function execute(machineName, input, parentName, name) {
  const definition = machines[machineName];
  const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machineName}:${name}`;
  const record = { name, machine: machineName, parent: parentName ?? null, transitions: 0, retries: 0,
    historyEvents: 2, maxPayloadBytes: size(input), status: 'RUNNING' };
  stats.executions.push(record);
  emit({ type: 'execution', event: 'started', execution: name, machine: machineName, parent: record.parent,
    input: machineName === config.root ? undefined : input, at: clock.peek() });

  const entry = { name: null, enteredTime: null, attempts: 0 };
  const stateMachine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  stateMachine.definition = trackingEntries(definition, machineName, entry, input);
  const execution = stateMachine.run(input, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers(definition, name, entry),
      waitTimeOverrides: waitOverrides(definition, input),
      retryIntervalOverrides: retryOverrides(definition),
    },
    context: {
      Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::${ACCOUNT}:role/rag-canary-local` },
      StateMachine: { Id: stateMachineArn(machineName), Name: machineName },
      State: {
        get Name() { return entry.name; },
        get EnteredTime() { return entry.enteredTime; },
        get RetryCount() { return entry.attempts; },
      },
      Task: { Token: `local-task-token:${name}` },
    },
  });
  running.add(execution);
  const logging = consume(execution.eventLogs, record, definition);
  let outcome;
  try {
    const output = await execution.result;
    outcome = { status: 'SUCCEEDED', output };
  } catch (error) {
    await logging;
    if (error.name === 'ExecutionAbortedError') {
      outcome = { status: 'ABORTED' };
    } else if (error.name === 'ExecutionTimeoutError') {
      outcome = { status: 'TIMED_OUT' };
    } else {
      outcome = { status: 'FAILED', error: record.error ?? error.name, cause: record.cause ?? error.message };
    }
  } finally {
    running.delete(execution);
  }
  await logging;
  record.status = outcome.status;
  emit({ type: 'execution', event: outcome.status.toLowerCase(), execution: name, machine: machineName,
    output: outcome.output, error: outcome.error, cause: outcome.cause, transitions: record.transitions, at: clock.peek() });
  return { ...outcome, name, executionArn };
}

/** Retries wait no real time locally (their backoff is Step Functions' business, not the rehearsal's). */
function retryOverrides(definition) {
  const overrides = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Retry) {
      overrides[stateName] = 0;
    }
  }
  return overrides;
}

// Step Functions history events per state, as AWS records them: a Task enters, is scheduled, starts, succeeds or
// fails, and exits; a retry adds scheduled/started/failed; other states enter and exit.
const TASK_EVENTS = 5;
const OTHER_EVENTS = 2;
const RETRY_EVENTS = 3;

async function consume(events, record, definition) {
  for await (const event of events) {
    switch (event.type) {
      case 'StateEntered':
        record.transitions++;
        record.historyEvents += definition.States[event.state.name]?.Type === 'Task' ? TASK_EVENTS : OTHER_EVENTS;
        measure(record, event.state.name, event.state.input);
        emit({ type: 'state', event: 'entered', execution: record.name, machine: record.machine,
          state: event.state.name, stateType: event.state.type, at: clock.peek() });
        break;
      case 'StateExited':
        measure(record, event.state.name, event.state.output);
        emit({ type: 'state', event: 'exited', execution: record.name, machine: record.machine,
          state: event.state.name, stateType: event.state.type, at: clock.peek() });
        break;
      case 'StateRetried':
        record.retries++;
        record.transitions++;
        record.historyEvents += RETRY_EVENTS;
        emit({ type: 'state', event: 'retried', execution: record.name, machine: record.machine,
          state: event.state.name, attempt: event.retry?.attempt, at: clock.peek() });
        break;
      case 'StateCaught':
      case 'StateFailed':
        emit({ type: 'state', event: event.type === 'StateCaught' ? 'caught' : 'failed', execution: record.name,
          machine: record.machine, state: event.state.name, error: event.Error, at: clock.peek() });
        break;
      case 'ExecutionFailed':
        record.error = event.Error;
        record.cause = event.Cause;
        break;
      default:
        break;
    }
  }
}

function size(value) {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function measure(record, stateName, payload) {
  const bytes = size(payload);
  record.maxPayloadBytes = Math.max(record.maxPayloadBytes, bytes);
  if (bytes > stats.maxPayloadBytes) {
    stats.maxPayloadBytes = bytes;
    stats.maxPayloadState = `${record.machine}: ${stateName}`;
  }
}

let result;
try {
  const outcome = await execute(config.root, config.input, null, config.executionName);
  await Promise.allSettled(nestedExecutions);
  result = { type: 'result', ...outcome, status: aborted && outcome.status !== 'SUCCEEDED' ? 'ABORTED' : outcome.status };
} catch (error) {
  result = { type: 'result', status: 'RUNNER_ERROR', error: error.name, cause: error.stack ?? error.message };
}
const transitions = stats.executions.reduce((sum, e) => sum + e.transitions, 0);
emit({ ...result, transitions, maxPayloadBytes: stats.maxPayloadBytes, maxPayloadState: stats.maxPayloadState,
  executions: stats.executions });
process.exit(0);
