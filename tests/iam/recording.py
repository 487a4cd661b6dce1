"""One worker's recording of the end-to-end suite: the functions' calls, the stacks' buckets, and the verdict."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from iam import coverage, rendered
from iam.permissions import Call
from iam.recorder import CallRecorder

CALLS = rendered.REPO / "build" / "iam-calls"


class SuiteRecording:
    def __init__(self, worker: str = "main") -> None:
        self.worker = worker
        # Only while a local stack runs: other tests that share the process (a pytest-xdist worker runs tests of
        # every directory) call handlers with their own fakes, and those calls are not the deployed functions'.
        self.running_stacks = 0
        self.recorder = CallRecorder(lambda: self.running_stacks > 0)
        self.bucket_roles: dict[str, str] = {}

    @contextmanager
    def installed(self) -> Iterator[SuiteRecording]:
        """Record inside the block; every local stack started meanwhile registers its three buckets."""
        from local_stack import environment
        from local_stack.stack import LocalStack

        create = LocalStack._create_resources

        def create_resources(stack: Any) -> None:
            create(stack)
            buckets = stack.buckets
            self.bucket_roles.update({buckets.audio: "audio", buckets.transcript: "transcript", buckets.image: "image"})
            # The local upload API runs the results function's rules with the stack's own S3 client (in a thread named
            # dispatch-read_results), so that client's calls are recorded too; only such threads' calls count.
            self.recorder.observe("s3", stack.s3)
            self.running_stacks += 1
            stack._exit.callback(self._stack_stopped)

        self.home_region = environment.REGION
        with ExitStack() as exit_stack:
            exit_stack.enter_context(self.recorder.installed())
            LocalStack._create_resources = create_resources  # type: ignore[method-assign]
            exit_stack.callback(setattr, LocalStack, "_create_resources", create)
            yield self
        self.dump()

    def _stack_stopped(self) -> None:
        self.running_stacks -= 1

    def calls(self) -> list[Call]:
        return self.recorder.calls()

    def dump(self) -> Path:
        """build/iam-calls/<worker>.jsonl: what was recorded, for reading after a failure."""
        CALLS.mkdir(parents=True, exist_ok=True)
        path = CALLS / f"{self.worker}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for call in self.calls():
                out.write(json.dumps(call.as_json(), sort_keys=True) + "\n")
        return path

    def reports(self) -> dict[str, coverage.Report]:
        """Configuration name -> the recorded calls checked against that configuration's rendered policies."""
        calls = self.calls()
        out = {}
        for name, rendering in rendered.rendered_policies().items():
            deployment = rendered.deployment(
                kms=rendering.deployment.kms_key_arn is not None,
                bucket_roles=self.bucket_roles,
                home_region=self.home_region,
            )
            out[name] = coverage.check(calls, rendering.policies, deployment)
        return out

    def problems(self) -> list[str]:
        if not self.calls():
            return []
        found = []
        for name, report in self.reports().items():
            found += [f"[{name}] denied: {denied}" for denied in report.denied]
            found += [f"[{name}] not covered: {uncovered}" for uncovered in report.uncovered]
        return sorted(set(found))
