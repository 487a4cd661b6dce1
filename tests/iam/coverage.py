"""Recorded calls against rendered policies, both ways: every call allowed, every granted action used.

`project` puts a recorded call into the rendered deployment's terms: the parameters a deployment's settings decide
(StartTranscriptionJob's OutputEncryptionKMSKeyId and JobExecutionSettings, which the transcription function adds
when OUTPUT_KMS_KEY_ARN and DATA_ACCESS_ROLE_ARN are set, main.tf) follow the deployment, not the local stack the
call was recorded on; buckets and Regions are mapped in `permissions.derived`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from iam.permissions import CALLER, TABLE, Call, Deployment, Requirement, UncoveredCall, requirements
from iam.policy import ALLOW, Request, Statement, evaluate, parse

DATA_ACCESS_ROLE = "data_access"


def project(call: Call, deployment: Deployment) -> Call:
    if call.key != "transcribe:StartTranscriptionJob":
        return call
    params = {k: v for k, v in call.params.items() if k not in ("OutputEncryptionKMSKeyId", "JobExecutionSettings")}
    if deployment.kms_key_arn:
        params["OutputEncryptionKMSKeyId"] = deployment.kms_key_arn
    if deployment.data_access_role_arn:
        params["JobExecutionSettings"] = {
            "AllowDeferredExecution": True,
            "DataAccessRoleArn": deployment.data_access_role_arn,
        }
    return replace(call, params=params)


@dataclass
class Denied:
    call: Call
    role: str
    requirement: Requirement
    reason: str

    def __str__(self) -> str:
        r = self.requirement.request
        context = f" with {dict(r.context)}" if r.context else ""
        return (
            f"{self.call.function}: {self.call.key} needs {r.action} on {r.resource}{context} "
            f"({self.requirement.row}); role {self.role}: {self.reason}"
        )


@dataclass
class Report:
    denied: list[Denied] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)  # calls the table has no row for (or cannot map)
    used: dict[str, list[Request]] = field(default_factory=dict)  # role -> allowed requests

    def unused(
        self, policies: Mapping[str, Mapping[str, Any]], exceptions: Sequence[Mapping[str, Any]]
    ) -> list[tuple[str, str, str]]:
        """(role, statement sid, action) of every granted action no recorded call used and no exception explains."""
        found = []
        for role, document in sorted(policies.items()):
            for statement in parse(document, role):
                if statement.effect != ALLOW:
                    continue
                for action in statement.actions:
                    if _explained(role, statement, action, exceptions):
                        continue
                    narrowed = replace(statement, actions=(action,))
                    if not any(narrowed.matches(request) for request in self.used.get(role, [])):
                        found.append((role, statement.sid, action))
        return found


def _explained(role: str, statement: Statement, action: str, exceptions: Sequence[Mapping[str, Any]]) -> bool:
    return any(
        e["role"] in ("*", role) and action in e["actions"] and e.get("statement", statement.sid) == statement.sid
        for e in exceptions
    )


def check(
    calls: Iterable[Call],
    policies: Mapping[str, Mapping[str, Any]],
    deployment: Deployment,
    table: Mapping[str, Any] = TABLE,
) -> Report:
    """Each call's requirements against the policy of its function's role (and of the data-access role)."""
    parsed = {role: parse(document, role) for role, document in policies.items()}
    report = Report()
    for call in calls:
        projected = project(call, deployment)
        try:
            needed = requirements(projected, deployment, table)
        except UncoveredCall as err:
            report.uncovered.append(f"{call.function}: {call.key}: {err}")
            continue
        for requirement in needed:
            role = call.function if requirement.principal == CALLER else DATA_ACCESS_ROLE
            if role not in parsed:
                report.uncovered.append(f"{call.function}: no rendered role {role!r} for {call.key}")
                continue
            decision = evaluate(parsed[role], requirement.request)
            if decision.allowed:
                report.used.setdefault(role, []).append(requirement.request)
            else:
                report.denied.append(Denied(call, role, requirement, decision.reason))
    return report
