// Runs state machine files with aws-local-stepfunctions the way Step Functions would run them in AWS, for the local
// rehearsal, the scenario tests and the fault matrix. One process serves many runs: the Java side
// (dev.ragcanary.local.LocalRunner) writes one JSON line per request to stdin, {"type":"start","run":ID,...config}
// or {"type":"abort","run":ID}; this script writes one JSON event per line to stdout, each tagged with its run, and a
// final {"type":"result"} line per run. The process ends when stdin closes.
//
// - `${Placeholder}` substitutions are filled like the CDK stack fills them (a placeholder this script does not know
//   fails the run, so the list in statemachine/README.md stays complete). Each file is validated once per process.
// - Lambda Task states are sent to the run's local Lambda Invoke API endpoint (the real Java handlers); service
//   integrations that have no local engine go to named local stand-ins on the same endpoint.
// - states:startExecution.sync:2 runs the target state machine file as a nested execution.
// - The root execution is named by the Java side (`executionName`), so two runs for the same rollout have different
//   execution ARNs, as two Step Functions executions do. Nested executions are named after the root
//   (rollout-1-stage-3), so names stay unique across runs, as Step Functions execution names are. Each is announced
//   to the endpoint's `local-execution-started` function and runs only once it has answered: the Java side then knows
//   which stage runs before any of its Tasks calls the simulated fleet (the events on stdout reach Java on another
//   thread, so they cannot order that).
// - Wait states take no real time unless a speed is set; a virtual clock per run advances by what they would have
//   waited, and $$.State.EnteredTime reads that clock, so the gate sees bake windows of their real length.
// - The context object has what Step Functions gives a state: $$.State.Name, $$.State.EnteredTime (fixed when the
//   state is entered, the same for each retry of it) and $$.State.RetryCount, so client tokens built from them
//   behave as in AWS.
// - A stop (an abort request, or `abortOn` in the configuration: on entry to a named state, or to the machine's first
//   state, optionally only in executions of one stage) schedules no further Task: a Task already running finishes, as
//   a Lambda invoked by a stopped execution does.

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

const substitutions = {
  WeightShifterFunctionArn: lambdaArn('weight-shifter'),
  ProbeReplayFunctionArn: lambdaArn('probe-replay'),
  GateEvaluationFunctionArn: lambdaArn('gate-evaluation'),
  StageStateMachineArn: stateMachineArn('stage'),
  ApprovalTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:rag-canary-approvals`,
  EvidenceBucketName: 'rag-canary-evidence-local',
};

// Task states are computed once per definition; validation (about 80 ms a file) runs once per process.
const definitions = new Map();
const runs = new Map();

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function lambdaArn(name) {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
}

function stateMachineArn(name) {
  return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
}

/** The definition in a file, substituted, adapted for local runs and validated (once per process). */
function load(file) {
  if (!definitions.has(file)) {
    const text = readFileSync(file, 'utf8').replace(/\$\{([A-Za-z0-9]+)\}/g, (match, key) => {
      if (!(key in substitutions)) {
        throw new Error(`${file}: no local value for placeholder ${match}; add it to run-execution.mjs and statemachine/README.md`);
      }
      return substitutions[key];
    });
    const definition = adaptForLocalRun(JSON.parse(text));
    new StateMachine(definition, { validationOptions: { checkArn: false } });
    definitions.set(file, definition);
  }
  return definitions.get(file);
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

function namedError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

function functionNameOf(resource) {
  const match = /^arn:aws:lambda:[^:]+:\d{12}:function:([^:]+)$/.exec(resource);
  return match ? match[1] : STAND_INS[resource];
}

function size(value) {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

// Step Functions history events per state, as AWS records them: a Task enters, is scheduled, starts, succeeds or
// fails, and exits; a retry adds scheduled/started/failed; other states enter and exit.
const TASK_EVENTS = 5;
const OTHER_EVENTS = 2;
const RETRY_EVENTS = 3;

/** One run: a root execution and its nested ones, with its own clock, stop and statistics. */
class Run {
  constructor(id, config) {
    this.id = id;
    this.config = config;
    this.machines = {};
    for (const [name, file] of Object.entries(config.machines)) {
      this.machines[name] = load(file);
    }
    // Virtual time moves only with Wait states (and by one millisecond per state entered, so it never stands
    // still): the same scenario gives the same windows, the same traffic and the same verdicts on every run.
    this.virtualMs = Date.parse(config.clockStart ?? new Date().toISOString());
    this.realMsPerVirtualSecond = config.realMsPerVirtualSecond ?? 0;
    this.running = new Set();
    this.executions = [];
    this.maxPayloadBytes = 0;
    this.maxPayloadState = null;
    this.executionCounter = 0;
    this.aborted = false;
    /** Nested executions: a stop ends the root before they have reported how they ended, and the result waits. */
    this.nestedExecutions = [];
    /** `abortOn` with its state resolved: when it names none, the machine's first state (its stage starts). */
    this.abortOn = config.abortOn && {
      ...config.abortOn,
      state: config.abortOn.state ?? this.machines[config.abortOn.machine].StartAt,
    };
    /** How many times the `abortOn` state has been entered (in executions of its stage, when it names one). */
    this.abortOnEntries = 0;
  }

  emit(event) {
    emit({ run: this.id, ...event });
  }

  now() {
    this.virtualMs += 1;
    return new Date(this.virtualMs).toISOString();
  }

  /** For event reports: reads without moving, so reporting cannot change what the state machine sees. */
  peek() {
    return new Date(this.virtualMs).toISOString();
  }

  abort() {
    this.aborted = true;
    for (const execution of this.running) {
      execution.abort();
    }
  }

  /** Invokes a function on the run's endpoint; a function error becomes a Task error named by its errorType. */
  async invoke(functionName, payload) {
    const response = await fetch(`${this.config.endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, {
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

  /**
   * Handlers keyed by state name, as aws-local-stepfunctions expects them. Each call counts as one attempt of the
   * state entry ($$.State.RetryCount of the next one); a stopped execution starts no new Task.
   */
  taskHandlers(definition, executionName, entry) {
    const handlers = {};
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') {
        continue;
      }
      let run;
      if (state.Resource.startsWith('arn:aws:states:::states:startExecution.sync')) {
        run = (input) => this.runNested(input, executionName);
      } else {
        const functionName = functionNameOf(state.Resource);
        if (!functionName) {
          throw new Error(`state "${stateName}": resource ${state.Resource} has no local handler`);
        }
        run = (input) => this.invoke(functionName, input);
      }
      handlers[stateName] = async (input) => {
        if (this.aborted) {
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
   * attempts) for the context object, and stops every execution of the run when it is the configured `abortOn` state
   * (in an execution of its stage, when it names one: the stage machine's input has `stage`).
   */
  trackingEntries(definition, machineName, entry, input) {
    const states = new Proxy(definition.States, {
      get: (target, name) => {
        if (typeof name === 'string' && name in target) {
          entry.name = name;
          entry.enteredTime = this.now();
          entry.attempts = 0;
          const rule = this.abortOn;
          if (rule && rule.machine === machineName && rule.state === name
              && (rule.stage == null || rule.stage === input?.stage)
              && ++this.abortOnEntries === (rule.occurrence ?? 1)) {
            this.abort();
          }
        }
        return target[name];
      },
    });
    return { ...definition, States: states };
  }

  /**
   * Wait states: no real wait (or a scaled one); the virtual clock moves on by the time they stand for. A SecondsPath
   * is read from the state's input (`entry.input`), as Step Functions reads it: the live looks wait what the last look
   * answered.
   */
  waitOverrides(definition, entry) {
    const overrides = {};
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Wait') {
        continue;
      }
      const run = this;
      Object.defineProperty(overrides, stateName, {
        enumerable: true,
        get() {
          const seconds = state.Seconds ?? (state.SecondsPath ? Number(readPath(entry.input, state.SecondsPath)) : 0);
          if (!Number.isInteger(seconds) || seconds < 0) {
            // Step Functions fails the execution on a SecondsPath that is not a non-negative integer.
            throw namedError('States.Runtime', `state "${stateName}": ${state.SecondsPath} is ${seconds}, not a non-negative integer`);
          }
          run.virtualMs += seconds * 1000;
          return Math.round(seconds * run.realMsPerVirtualSecond);
        },
      });
    }
    return overrides;
  }

  /** states:startExecution.sync:2 -> a nested execution; its result has the DescribeExecution shape. */
  async runNested(parameters, parentName) {
    const machineName = parameters.StateMachineArn.split(':').pop();
    if (!this.machines[machineName]) {
      throw namedError('StepFunctions.StateMachineDoesNotExistException', `no local machine ${machineName}`);
    }
    const input = typeof parameters.Input === 'string' ? JSON.parse(parameters.Input) : parameters.Input;
    const name = `${this.config.executionName}-${machineName}-${++this.executionCounter}`;
    await this.invoke('local-execution-started', { execution: name, machine: machineName, parent: parentName, input });
    const nested = this.execute(machineName, input, parentName, name);
    this.nestedExecutions.push(nested);
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
  async execute(machineName, input, parentName, name) {
    const definition = this.machines[machineName];
    const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machineName}:${name}`;
    const record = { name, machine: machineName, parent: parentName ?? null, transitions: 0, retries: 0,
      historyEvents: 2, maxPayloadBytes: size(input), status: 'RUNNING' };
    this.executions.push(record);
    this.emit({ type: 'execution', event: 'started', execution: name, machine: machineName, parent: record.parent,
      input: machineName === this.config.root ? undefined : input, at: this.peek() });

    const entry = { name: null, enteredTime: null, attempts: 0, input: null };
    const stateMachine = new StateMachine(definition, { validationOptions: { noValidate: true } });
    stateMachine.definition = this.trackingEntries(definition, machineName, entry, input);
    recordingStateInputs(stateMachine, entry);
    const execution = stateMachine.run(input, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(definition, name, entry),
        waitTimeOverrides: this.waitOverrides(definition, entry),
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
    this.running.add(execution);
    const logging = this.consume(execution.eventLogs, record, definition);
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
      this.running.delete(execution);
    }
    await logging;
    record.status = outcome.status;
    this.emit({ type: 'execution', event: outcome.status.toLowerCase(), execution: name, machine: machineName,
      output: outcome.output, error: outcome.error, cause: outcome.cause, transitions: record.transitions,
      at: this.peek() });
    return { ...outcome, name, executionArn };
  }

  async consume(events, record, definition) {
    for await (const event of events) {
      switch (event.type) {
        case 'StateEntered':
          record.transitions++;
          record.historyEvents += definition.States[event.state.name]?.Type === 'Task' ? TASK_EVENTS : OTHER_EVENTS;
          this.measure(record, event.state.name, event.state.input);
          this.emit({ type: 'state', event: 'entered', execution: record.name, machine: record.machine,
            state: event.state.name, stateType: event.state.type, at: this.peek() });
          break;
        case 'StateExited':
          this.measure(record, event.state.name, event.state.output);
          this.emit({ type: 'state', event: 'exited', execution: record.name, machine: record.machine,
            state: event.state.name, stateType: event.state.type, at: this.peek() });
          break;
        case 'StateRetried':
          record.retries++;
          record.transitions++;
          record.historyEvents += RETRY_EVENTS;
          this.emit({ type: 'state', event: 'retried', execution: record.name, machine: record.machine,
            state: event.state.name, attempt: event.retry?.attempt, at: this.peek() });
          break;
        case 'StateCaught':
        case 'StateFailed':
          this.emit({ type: 'state', event: event.type === 'StateCaught' ? 'caught' : 'failed', execution: record.name,
            machine: record.machine, state: event.state.name, error: event.Error, at: this.peek() });
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

  measure(record, stateName, payload) {
    const bytes = size(payload);
    record.maxPayloadBytes = Math.max(record.maxPayloadBytes, bytes);
    if (bytes > this.maxPayloadBytes) {
      this.maxPayloadBytes = bytes;
      this.maxPayloadState = `${record.machine}: ${stateName}`;
    }
  }

  async start() {
    let result;
    try {
      const outcome = await this.execute(this.config.root, this.config.input, null, this.config.executionName);
      result = { type: 'result', ...outcome,
        status: this.aborted && outcome.status !== 'SUCCEEDED' ? 'ABORTED' : outcome.status };
    } catch (error) {
      result = { type: 'result', status: 'RUNNER_ERROR', error: error.name, cause: error.stack ?? error.message };
    }
    await Promise.allSettled(this.nestedExecutions);
    const transitions = this.executions.reduce((sum, e) => sum + e.transitions, 0);
    this.emit({ ...result, transitions, maxPayloadBytes: this.maxPayloadBytes, maxPayloadState: this.maxPayloadState,
      executions: this.executions });
    runs.delete(this.id);
  }
}

/**
 * Keeps each state's input in `entry.input` as the state is entered: the interpreter announces the entry, with the
 * input, to its event logger just before it runs the state, and hands a Wait override no input of its own.
 */
function recordingStateInputs(stateMachine, entry) {
  const execute = stateMachine.execute.bind(stateMachine);
  stateMachine.execute = (input, options, cleanup) => {
    const logger = options.eventLogger;
    const announce = logger.dispatchStateEnteredEvent.bind(logger);
    logger.dispatchStateEnteredEvent = (stateName, stateType, stateInput) => {
      entry.input = stateInput;
      announce(stateName, stateType, stateInput);
    };
    return execute(input, options, cleanup);
  };
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

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === '') {
    return;
  }
  const request = JSON.parse(line);
  if (request.type === 'start') {
    let run;
    try {
      run = new Run(request.run, request);
    } catch (error) {
      emit({ run: request.run, type: 'result', status: 'RUNNER_ERROR', error: error.name,
        cause: error.stack ?? error.message, transitions: 0, maxPayloadBytes: 0, executions: [] });
      return;
    }
    runs.set(request.run, run);
    run.start();
  } else if (request.type === 'abort') {
    runs.get(request.run)?.abort();
    // Acknowledged once no further Task can start, so the caller knows the stop took effect.
    emit({ run: request.run, type: 'aborted' });
  }
});
lines.on('close', () => process.exit(0));
