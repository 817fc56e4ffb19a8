//! The rollout state from JSON of the shapes `kubectl get
//! deployment,replicaset,pod -o json` prints (apps/v1 Deployment and
//! ReplicaSet, v1 Pod, in a v1 List), with an unrelated deployment beside
//! the one followed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::model::condition::Condition;

fn target() -> KubeTarget {
    KubeTarget {
        deployment: "api".into(),
        namespace: Some("prod".into()),
        context: Some("kind-prod".into()),
    }
}

struct Rs {
    name: &'static str,
    uid: &'static str,
    revision: u64,
    image: &'static str,
    replicas: u64,
    owner_uid: &'static str,
}

struct Pod {
    name: &'static str,
    rs: &'static str,
    rs_uid: &'static str,
    image: &'static str,
    ready: bool,
    restarts: u64,
    waiting: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
fn deployment(
    name: &str,
    uid: &str,
    generation: i64,
    observed: i64,
    image: &str,
    revision: u64,
    (ready, updated, available): (u64, u64, u64),
    progressing: (&str, &str, &str),
) -> String {
    let (status, reason, message) = progressing;
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment",
 "metadata":{{"name":"{name}","namespace":"prod","uid":"{uid}","generation":{generation},
   "annotations":{{"deployment.kubernetes.io/revision":"{revision}"}},"labels":{{"app":"{name}"}}}},
 "spec":{{"replicas":3,"progressDeadlineSeconds":600,
   "selector":{{"matchLabels":{{"app":"{name}","tier":"web"}}}},
   "strategy":{{"type":"RollingUpdate","rollingUpdate":{{"maxSurge":"25%","maxUnavailable":"25%"}}}},
   "template":{{"metadata":{{"labels":{{"app":"{name}","tier":"web"}}}},
     "spec":{{"containers":[{{"name":"{name}","image":"{image}","ports":[{{"containerPort":8000}}]}}]}}}}}},
 "status":{{"observedGeneration":{observed},"replicas":4,"updatedReplicas":{updated},
   "readyReplicas":{ready},"availableReplicas":{available},
   "conditions":[
     {{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."}},
     {{"type":"Progressing","status":"{status}","reason":"{reason}","message":"{message}"}}]}}}}"#
    )
}

fn replica_set(rs: &Rs) -> String {
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"ReplicaSet",
 "metadata":{{"name":"{name}","namespace":"prod","uid":"{uid}",
   "annotations":{{"deployment.kubernetes.io/desired-replicas":"3","deployment.kubernetes.io/revision":"{revision}"}},
   "labels":{{"app":"api","tier":"web","pod-template-hash":"{hash}"}},
   "ownerReferences":[{{"apiVersion":"apps/v1","kind":"Deployment","name":"api","uid":"{owner}","controller":true,"blockOwnerDeletion":true}}]}},
 "spec":{{"replicas":{replicas},"selector":{{"matchLabels":{{"app":"api","pod-template-hash":"{hash}"}}}},
   "template":{{"spec":{{"containers":[{{"name":"api","image":"{image}"}}]}}}}}},
 "status":{{"replicas":{replicas},"readyReplicas":{replicas},"availableReplicas":{replicas}}}}}"#,
        name = rs.name,
        uid = rs.uid,
        revision = rs.revision,
        hash = rs.name.rsplit('-').next().unwrap(),
        owner = rs.owner_uid,
        replicas = rs.replicas,
        image = rs.image,
    )
}

fn pod(p: &Pod) -> String {
    let state = match p.waiting {
        Some(reason) => format!(r#"{{"waiting":{{"reason":"{reason}"}}}}"#),
        None => r#"{"running":{"startedAt":"2026-03-04T05:06:07Z"}}"#.to_string(),
    };
    let ready = if p.ready { "True" } else { "False" };
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod",
 "metadata":{{"name":"{name}","namespace":"prod","uid":"pod-{name}",
   "labels":{{"app":"api","tier":"web"}},
   "ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{rs}","uid":"{rs_uid}","controller":true}}]}},
 "spec":{{"nodeName":"node-1","containers":[{{"name":"api","image":"{image}"}}]}},
 "status":{{"phase":"Running",
   "conditions":[{{"type":"Initialized","status":"True"}},{{"type":"Ready","status":"{ready}"}},{{"type":"ContainersReady","status":"{ready}"}}],
   "containerStatuses":[{{"name":"api","image":"docker.io/library/{image}","imageID":"docker.io/library/{image}@sha256:00","ready":{ready_bool},"restartCount":{restarts},"state":{state}}}]}}}}"#,
        name = p.name,
        rs = p.rs,
        rs_uid = p.rs_uid,
        image = p.image,
        ready_bool = p.ready,
        restarts = p.restarts,
    )
}

fn list(items: &[String]) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"List","metadata":{{"resourceVersion":""}},"items":[{}]}}"#,
        items.join(",\n")
    )
}

const OLD: Rs = Rs {
    name: "api-6b8d",
    uid: "rs-old",
    revision: 4,
    image: "api:v1",
    replicas: 2,
    owner_uid: "dep-api",
};
const NEW: Rs = Rs {
    name: "api-7d9f",
    uid: "rs-new",
    revision: 5,
    image: "api:v2",
    replicas: 1,
    owner_uid: "dep-api",
};

fn old_pod(name: &'static str) -> Pod {
    Pod {
        name,
        rs: "api-6b8d",
        rs_uid: "rs-old",
        image: "api:v1",
        ready: true,
        restarts: 0,
        waiting: None,
    }
}

/// The worker deployment's own ReplicaSet and pod: never the api's.
fn unrelated() -> Vec<String> {
    vec![
        deployment(
            "worker",
            "dep-worker",
            1,
            1,
            "worker:v9",
            1,
            (3, 3, 3),
            ("True", NEW_RS_AVAILABLE, "done"),
        ),
        replica_set(&Rs {
            name: "worker-5c4b",
            uid: "rs-worker",
            revision: 1,
            image: "worker:v9",
            replicas: 3,
            owner_uid: "dep-worker",
        }),
        pod(&Pod {
            name: "worker-5c4b-zz",
            rs: "worker-5c4b",
            rs_uid: "rs-worker",
            image: "worker:v9",
            ready: true,
            restarts: 7,
            waiting: None,
        }),
    ]
}

fn progressing() -> String {
    let mut items = vec![
        deployment(
            "api",
            "dep-api",
            7,
            7,
            "api:v2",
            5,
            (2, 1, 2),
            (
                "True",
                "ReplicaSetUpdated",
                "ReplicaSet \\\"api-7d9f\\\" is progressing.",
            ),
        ),
        replica_set(&OLD),
        replica_set(&NEW),
        pod(&old_pod("api-6b8d-x1")),
        pod(&old_pod("api-6b8d-x2")),
        pod(&Pod {
            name: "api-7d9f-abc",
            rs: "api-7d9f",
            rs_uid: "rs-new",
            image: "api:v2",
            ready: false,
            restarts: 1,
            waiting: Some("ContainerCreating"),
        }),
    ];
    items.extend(unrelated());
    list(&items)
}

fn check(conditions: &[&str]) -> KubeCheck {
    KubeCheck {
        target: target(),
        conditions: conditions
            .iter()
            .map(|c| Condition::parse(c).unwrap())
            .collect(),
    }
}

#[test]
fn a_rollout_half_way_runs_two_versions_and_is_progressing() {
    let s = KubeState::parse(&target(), &progressing());
    assert_eq!(s.error, None);
    assert_eq!((s.desired, s.ready, s.updated, s.available), (3, 2, 1, 2));
    assert_eq!(s.revision, Some(5));
    assert_eq!(s.image, "api:v2");
    assert_eq!(
        s.selector,
        BTreeMap::from([("app".into(), "api".into()), ("tier".into(), "web".into())])
    );
    let names: Vec<&str> = s.replica_sets.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["api-7d9f", "api-6b8d"], "newest revision first");
    assert_eq!(s.revisions(), vec![5, 4]);
    let pods: Vec<&str> = s.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pods, vec!["api-7d9f-abc", "api-6b8d-x1", "api-6b8d-x2"]);
    let new = &s.pods[0];
    assert_eq!(new.revision, Some(5));
    assert!(!new.ready);
    assert_eq!(new.restarts, 1);
    assert_eq!(new.reason.as_deref(), Some("ContainerCreating"));
    assert_eq!(
        new.image, "api:v2",
        "the spec's image, not the resolved one"
    );
    assert_eq!(s.restarts(), 1, "the worker's restarts are not the api's");
    assert_eq!(s.selector_text().as_deref(), Some("app=api,tier=web"));
    assert_eq!(s.log_streams(), 12, "twice 3 pods and 3 replicas");
    assert_eq!(s.versions(), vec!["api:v1", "api:v2"]);
    assert!(s.mixed());
    assert_eq!(s.rollout(), RolloutState::Progressing);
    assert_eq!(s.health(), HealthState::Degraded);
    assert!(s.summary().contains("2 versions (mixed"), "{}", s.summary());

    let (passed, why) = evaluate_kube_check(
        &check(&[
            "[VERSIONS] == 2",
            "[ROLLOUT_STATE] == progressing",
            "[REVISION] == 5",
            "[IMAGE] == api:v2",
            "[UPDATED] < [DESIRED]",
        ]),
        &s,
    );
    assert!(passed, "{why}");
    let (passed, why) = evaluate_kube_check(&check(&["[READY] == [DESIRED]"]), &s);
    assert!(!passed && why.contains("2") && why.contains("3"), "{why}");
    assert!(!evaluate_kube_check(&check(&[]), &s).0, "not complete");
}

fn complete(progress: (&str, &str, &str), generation: i64) -> String {
    let new = Rs { replicas: 3, ..NEW };
    let old = Rs { replicas: 0, ..OLD };
    let pods: Vec<String> = ["api-7d9f-abc", "api-7d9f-def", "api-7d9f-ghi"]
        .into_iter()
        .map(|name| {
            pod(&Pod {
                name,
                rs: "api-7d9f",
                rs_uid: "rs-new",
                image: "api:v2",
                ready: true,
                restarts: 0,
                waiting: None,
            })
        })
        .collect();
    let mut items = vec![
        deployment(
            "api",
            "dep-api",
            generation,
            7,
            "api:v2",
            5,
            (3, 3, 3),
            progress,
        ),
        replica_set(&old),
        replica_set(&new),
    ];
    items.extend(pods);
    list(&items)
}

#[test]
fn a_finished_rollout_is_complete_on_one_version() {
    let done = (
        "True",
        NEW_RS_AVAILABLE,
        "ReplicaSet \\\"api-7d9f\\\" has successfully progressed.",
    );
    let s = KubeState::parse(&target(), &complete(done, 7));
    assert_eq!(s.rollout(), RolloutState::Complete);
    assert_eq!(s.versions(), vec!["api:v2"]);
    assert_eq!(s.health(), HealthState::Up);
    let (passed, why) = evaluate_kube_check(&check(&[]), &s);
    assert!(passed, "{why}");
    let (passed, why) = evaluate_kube_check(
        &check(&["[ROLLOUT_STATE] == complete", "[VERSIONS] == 1"]),
        &s,
    );
    assert!(passed, "{why}");
    // A spec the controller has not seen yet is not complete.
    let s = KubeState::parse(&target(), &complete(done, 8));
    assert_eq!(s.rollout(), RolloutState::Progressing);
}

#[test]
fn a_passed_progress_deadline_is_stuck_and_says_why() {
    let stuck = (
        "False",
        DEADLINE_EXCEEDED,
        "ReplicaSet \\\"api-7d9f\\\" has timed out progressing.",
    );
    let s = KubeState::parse(&target(), &complete(stuck, 7));
    assert_eq!(s.rollout(), RolloutState::Stuck);
    let (passed, why) = evaluate_kube_check(&check(&["[ROLLOUT_STATE] != stuck"]), &s);
    assert!(!passed);
    assert!(
        why.contains("ProgressDeadlineExceeded") && why.contains("timed out progressing"),
        "{why}"
    );
    assert!(!evaluate_kube_check(&check(&[]), &s).0);
}

#[test]
fn a_missing_deployment_or_bad_output_fails_with_the_reason() {
    let s = KubeState::parse(&target(), &list(&unrelated()));
    assert_eq!(
        s.error.as_deref(),
        Some("deployment api not found in namespace prod")
    );
    let (passed, why) = evaluate_kube_check(&check(&["[READY] >= 1"]), &s);
    assert!(!passed && why.contains("not found"), "{why}");
    assert_eq!(s.health(), HealthState::Down);
    let s = KubeState::parse(&target(), "error: You must be logged in");
    assert!(s.error.unwrap().starts_with("kubectl printed no JSON"));
}

#[test]
fn pods_without_an_owner_are_picked_by_the_selector() {
    let stray = r#"{"kind":"Pod","metadata":{"name":"api-debug","labels":{"app":"api","tier":"web"}},
        "spec":{"containers":[{"name":"api","image":"api:debug"}]},"status":{"phase":"Pending"}}"#;
    let other = r#"{"kind":"Pod","metadata":{"name":"db-0","labels":{"app":"db"}},
        "spec":{"containers":[{"name":"db","image":"pg:16"}]},"status":{"phase":"Running"}}"#;
    let json = list(&[
        deployment(
            "api",
            "dep-api",
            1,
            1,
            "api:v2",
            1,
            (0, 0, 0),
            ("True", "NewReplicaSetCreated", "created"),
        ),
        stray.to_string(),
        other.to_string(),
    ]);
    let s = KubeState::parse(&target(), &json);
    let pods: Vec<&str> = s.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pods, vec!["api-debug"]);
    assert_eq!(s.pods[0].phase, "Pending");
    assert_eq!(s.health(), HealthState::Down, "nothing ready");
}

#[test]
fn kubectls_own_words_are_the_reason_not_the_client_librarys() {
    let stderr = "E1202 05:08:07.511743   11076 memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list\"\n\
                  E1202 05:08:07.513527   11076 memcache.go:265] \"Unhandled Error\"\n\
                  The connection to the server localhost:8080 was refused - did you specify the right host or port?\n";
    assert_eq!(
        stderr_reason(stderr).as_deref(),
        Some(
            "The connection to the server localhost:8080 was refused - did you specify the right host or port?"
        )
    );
    let only = "\nE1202 05:08:07.511743   11076 memcache.go:265] boom\n";
    assert!(stderr_reason(only).unwrap().ends_with("] boom"));
    assert_eq!(
        stderr_reason("error: context \"x\" does not exist\n").as_deref(),
        Some("error: context \"x\" does not exist")
    );
    assert_eq!(stderr_reason("  \n"), None);
}

#[test]
fn an_undo_needs_a_previous_revision() {
    let s = KubeState::parse(&target(), &progressing());
    assert_eq!(rehearsal_problem(&KubeOp::Rollback, &s), None);
    let only = Rs { replicas: 3, ..NEW };
    let json = list(&[
        deployment(
            "api",
            "dep-api",
            1,
            1,
            "api:v2",
            5,
            (3, 3, 3),
            ("True", NEW_RS_AVAILABLE, "ok"),
        ),
        replica_set(&only),
    ]);
    let s = KubeState::parse(&target(), &json);
    let why = rehearsal_problem(&KubeOp::Rollback, &s).unwrap();
    assert_eq!(
        why,
        "prod/api@kind-prod has no previous revision to undo to (only revision 5)"
    );
    assert_eq!(rehearsal_problem(&KubeOp::Restart, &s), None);
}

#[test]
fn the_argv_names_the_target_scope_after_the_object() {
    let t = target();
    assert_eq!(
        op_argv(&t, &KubeOp::Rollback).join(" "),
        "kubectl rollout undo deployment/api -n prod --context kind-prod"
    );
    let image = KubeOp::Image {
        image: "api:v2".into(),
        container: None,
    };
    assert_eq!(
        op_argv(&t, &image).join(" "),
        "kubectl set image deployment/api *=api:v2 -n prod --context kind-prod"
    );
    let bare = KubeTarget {
        deployment: "api".into(),
        namespace: None,
        context: None,
    };
    let one = KubeOp::Image {
        image: "api:v2".into(),
        container: Some("web".into()),
    };
    assert_eq!(
        op_argv(&bare, &one).join(" "),
        "kubectl set image deployment/api web=api:v2"
    );
    assert_eq!(
        get_argv(&bare).join(" "),
        "kubectl get deployment,replicaset,pod -o json"
    );
    assert_eq!(
        status_argv(&t, 120).join(" "),
        "kubectl rollout status deployment/api -n prod --context kind-prod --timeout=120s"
    );
    let since = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07.5Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(
        logs_argv(&t, "app=api,tier=web", 10, Some(since)).join(" "),
        "kubectl logs -f --prefix --timestamps -l app=api,tier=web --all-containers \
         --max-log-requests=10 --since-time=2026-03-04T05:06:07Z -n prod --context kind-prod"
    );
}

#[test]
fn the_log_prefix_names_the_pod_and_container() {
    let (pod, container, rest) =
        split_prefix(b"[pod/api-7d9f-abc/api] 2026-03-04T05:06:07.123456789Z ready").unwrap();
    assert_eq!((pod, container), ("api-7d9f-abc", "api"));
    assert_eq!(rest, b"2026-03-04T05:06:07.123456789Z ready");
    assert_eq!(split_prefix(b"plain line"), None);
    assert_eq!(split_prefix(b"[pod/unterminated"), None);
    assert_eq!(split_prefix(b"[pod/nocontainer] x"), None);
}

#[test]
fn an_action_keeps_the_revisions_before_and_after() {
    let before = KubeState::parse(&target(), &progressing());
    let done = ("True", NEW_RS_AVAILABLE, "ok");
    let after = KubeState::parse(&target(), &complete(done, 7));
    let line = action_evidence(&before, &after);
    assert!(
        line.starts_with(
            "prod/api@kind-prod: revision 5 (api:v2) -> revision 5 (api:v2); 3/3 ready"
        ),
        "{line}"
    );
}

#[test]
fn the_health_pane_watches_every_deployment_named_once() {
    use crate::profile::{Action, LogSource};
    let mut profile = crate::cockpit::fixture::sample_profile();
    profile.logs.push(LogSource {
        id: "api".into(),
        kind: LogKind::Kubernetes(target()),
        highlight: vec![],
        grep: None,
    });
    profile.actions.insert(
        "undo".into(),
        Action {
            name: "undo".into(),
            description: None,
            kind: ActionKind::Kubernetes {
                target: target(),
                op: KubeOp::Rollback,
            },
            timeout: std::time::Duration::from_secs(60),
            verify: vec![],
            verify_timeout: std::time::Duration::from_secs(60),
        },
    );
    assert_eq!(kube_targets(&profile), vec![target()]);
}
