//! The demo tenant: lookups shaped like a fresh Halo instance and a spread of
//! realistic tickets (some hostile HTML among them). Seeded randomness keeps
//! every run identical apart from dates, which are relative to "now".

use chrono::{DateTime, Duration, Utc};

use crate::config::SimConfig;
use crate::model::{
    ActionAuthor, Agent, Client, EndUser, Outcome, Priority, SimTicket, Site, Status, Team,
    TicketType,
};
use crate::store::{
    OUTCOME_CLOSE, OUTCOME_LOGGED, OUTCOME_PRIVATE_NOTE, OUTCOME_REASSIGN, OUTCOME_REOPEN,
    OUTCOME_STATUS_CHANGE, OUTCOME_USER_UPDATE, Store,
};

/// Ticket ids start here, as on a tenant that has been in use for a while.
pub(crate) const FIRST_TICKET_ID: i32 = 1001;

/// Builds the tenant: lookups, then `config.seed_tickets` tickets.
pub(crate) fn build_store(config: &SimConfig, now: DateTime<Utc>) -> Store {
    let mut store = Store {
        statuses: statuses(config.closed_status_id),
        teams: teams(),
        agents: agents(),
        priorities: priorities(),
        outcomes: Vec::new(),
        tickettypes: tickettypes(),
        clients: clients(),
        sites: sites(),
        users: users(),
        tickets: Default::default(),
        actions: Default::default(),
        closed_status_id: config.closed_status_id,
        api_agent_id: config.api_agent_id,
        next_ticket_id: FIRST_TICKET_ID,
        rng: fastrand::Rng::with_seed(config.data_seed),
    };
    store.outcomes = outcomes(&store);
    for _ in 0..config.seed_tickets {
        add_realistic_ticket(&mut store, now, true);
    }
    store
}

fn status(
    id: i32,
    name: &str,
    shortname: &str,
    status_type: i32,
    colour: &str,
    sla_hold: bool,
) -> Status {
    Status {
        id,
        name: name.to_owned(),
        shortname: shortname.to_owned(),
        status_type,
        colour: colour.to_owned(),
        // Set from the list order once the list is complete.
        sequence: 0,
        closed: false,
        sla_hold,
    }
}

/// Halo-like defaults. "Closed" takes `closed_id`; a default status whose id
/// collides moves out of the way. When Closed is not 9, id 9 is an *open*
/// status ("Scheduled"), so a client that hard-codes 9 visibly misbehaves.
fn statuses(closed_id: i32) -> Vec<Status> {
    let mut list = vec![
        status(1, "New", "New", 0, "#2f80ed", false),
        status(2, "In Progress", "In Prog", 0, "#27ae60", false),
        status(3, "Action Required", "Action Req", 0, "#eb5757", false),
        status(4, "Waiting on Customer", "Waiting", 1, "#f2c94c", true),
        status(5, "Updated", "Updated", 0, "#9b51e0", false),
        status(6, "Waiting on Supplier", "Supplier", 1, "#f2994a", true),
        status(7, "On Hold", "Hold", 1, "#828282", true),
        status(8, "Resolved", "Resolved", 2, "#6fcf97", false),
    ];
    if closed_id != 9 {
        list.push(status(9, "Scheduled", "Sched", 0, "#56ccf2", false));
    }
    let mut next_free = list.iter().map(|s| s.id).max().unwrap_or(0).max(closed_id) + 1;
    for s in &mut list {
        if s.id == closed_id {
            s.id = next_free;
            next_free += 1;
        }
    }
    let mut closed = status(closed_id, "Closed", "Closed", 4, "#333333", false);
    closed.closed = true;
    list.push(closed);
    for (i, s) in list.iter_mut().enumerate() {
        s.sequence = i as i32 + 1;
    }
    list
}

fn guid(n: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        0x5A1D_0000_u64 + n,
        n & 0xffff,
        n & 0xfff,
        (n * 7) & 0xfff,
        0x00AB_CDEF_0000_u64 + n * 977
    )
}

fn teams() -> Vec<Team> {
    [
        (1, "Service Desk", false),
        (2, "Infrastructure", false),
        (3, "Projects", false),
        (4, "Security", false),
        (5, "Old Helpdesk", true),
    ]
    .into_iter()
    .map(|(id, name, inactive)| Team {
        id,
        guid: guid(100 + id as u64),
        name: name.to_owned(),
        inactive,
    })
    .collect()
}

fn agents() -> Vec<Agent> {
    let a = |id: i32, name: &str, email: &str, teams: &[i32], api: bool, colour: &str| Agent {
        id,
        name: name.to_owned(),
        email: email.to_owned(),
        team_ids: teams.to_vec(),
        is_api_agent: api,
        colour: colour.to_owned(),
    };
    vec![
        a(
            1,
            "Alex Tech",
            "alex.tech@msp.example",
            &[1, 2],
            false,
            "#2f80ed",
        ),
        a(
            2,
            "Priya Raman",
            "priya.raman@msp.example",
            &[1],
            false,
            "#eb5757",
        ),
        a(
            3,
            "Jonas Müller",
            "jonas.mueller@msp.example",
            &[2],
            false,
            "#27ae60",
        ),
        a(
            4,
            "Mei Chen",
            "mei.chen@msp.example",
            &[3],
            false,
            "#f2994a",
        ),
        a(
            5,
            "Sam O'Brien",
            "sam.obrien@msp.example",
            &[4, 1],
            false,
            "#9b51e0",
        ),
        a(
            6,
            "Fatima Zahra",
            "fatima.zahra@msp.example",
            &[2, 4],
            false,
            "#56ccf2",
        ),
        a(
            7,
            "Lars Øvergaard",
            "lars.overgaard@msp.example",
            &[3],
            false,
            "#bb6bd9",
        ),
        a(
            8,
            "API Integration",
            "api@msp.example",
            &[],
            true,
            "#828282",
        ),
    ]
}

fn priorities() -> Vec<Priority> {
    [
        (1, "P1 - Critical", "#d13438", 4.0, 0.5),
        (2, "P2 - High", "#ff8c00", 8.0, 1.0),
        (3, "P3 - Medium", "#fce100", 24.0, 4.0),
        (4, "P4 - Low", "#107c10", 72.0, 8.0),
    ]
    .into_iter()
    .map(|(id, name, colour, fix, response)| Priority {
        priorityid: id,
        guid: guid(200 + id as u64),
        name: name.to_owned(),
        colour: colour.to_owned(),
        fix_hours: fix,
        response_hours: response,
    })
    .collect()
}

fn outcomes(store: &Store) -> Vec<Outcome> {
    let id_of = |name: &str| store.status_by_name(name).map(|s| s.id);
    let o = |id: i32,
             name: &str,
             button: &str,
             newstatus: Option<i32>,
             note: bool,
             hidden: bool,
             colour: &str| Outcome {
        id,
        name: name.to_owned(),
        buttonname: button.to_owned(),
        newstatus,
        mustaddnote: note,
        hidden_from_user: hidden,
        colour: colour.to_owned(),
        sequence: id,
    };
    vec![
        o(
            1,
            OUTCOME_PRIVATE_NOTE,
            "Private Note",
            None,
            true,
            true,
            "#828282",
        ),
        o(2, "Email User", "Email User", None, true, false, "#2f80ed"),
        o(
            3,
            "Acknowledge",
            "Acknowledge",
            id_of("In Progress"),
            false,
            false,
            "#27ae60",
        ),
        o(
            4,
            "Waiting on Customer",
            "Waiting",
            id_of("Waiting on Customer"),
            true,
            false,
            "#f2c94c",
        ),
        o(
            5,
            "Resolve",
            "Resolve",
            id_of("Resolved"),
            true,
            false,
            "#6fcf97",
        ),
        o(
            6,
            OUTCOME_CLOSE,
            "Close",
            Some(store.closed_status_id),
            true,
            false,
            "#333333",
        ),
        o(
            7,
            OUTCOME_REOPEN,
            "Re-open",
            id_of("In Progress"),
            false,
            true,
            "#eb5757",
        ),
        o(
            8,
            OUTCOME_STATUS_CHANGE,
            "Change Status",
            None,
            false,
            true,
            "#828282",
        ),
        o(
            9,
            OUTCOME_REASSIGN,
            "Reassign",
            None,
            false,
            true,
            "#bb6bd9",
        ),
        o(
            10,
            OUTCOME_USER_UPDATE,
            "User Update",
            None,
            false,
            false,
            "#9b51e0",
        ),
        o(
            11,
            OUTCOME_LOGGED,
            "Log Ticket",
            None,
            false,
            false,
            "#2f80ed",
        ),
    ]
}

fn tickettypes() -> Vec<TicketType> {
    [
        (1, "Incident", true),
        (2, "Service Request", true),
        (3, "Problem", true),
        (4, "Change Request", false),
    ]
    .into_iter()
    .map(|(id, name, has_sla)| TicketType {
        id,
        name: name.to_owned(),
        has_sla,
    })
    .collect()
}

fn clients() -> Vec<Client> {
    [
        (1, "Contoso Ltd"),
        (2, "Northwind Traders"),
        (3, "Fabrikam GmbH"),
        (4, "Ünïcode Café 東京"),
        (5, "O'Reilly & \"Sons\" Plumbing"),
    ]
    .into_iter()
    .map(|(id, name)| Client {
        id,
        name: name.to_owned(),
    })
    .collect()
}

fn sites() -> Vec<Site> {
    [
        (1, 1, "Head Office"),
        (2, 1, "Warehouse"),
        (3, 2, "Main"),
        (4, 3, "München"),
        (5, 3, "Berlin"),
        (6, 4, "Rue de l'Église — 渋谷"),
        (7, 5, "Dock 7"),
    ]
    .into_iter()
    .map(|(id, client_id, name)| Site {
        id,
        client_id,
        name: name.to_owned(),
    })
    .collect()
}

fn users() -> Vec<EndUser> {
    [
        (1, 1, 1, "Megan Bowen", "megan.bowen@contoso.example"),
        (2, 1, 2, "Adele Vance", "adele.vance@contoso.example"),
        (3, 2, 3, "Nancy Davolio", "nancy.davolio@northwind.example"),
        (4, 2, 3, "Andrew Fuller", "andrew.fuller@northwind.example"),
        (5, 3, 4, "Jürgen Weiß", "juergen.weiss@fabrikam.example"),
        (6, 3, 5, "Anke Schäfer", "anke.schaefer@fabrikam.example"),
        (7, 4, 6, "Zoë Ŝmith", "zoe@unicode-cafe.example"),
        (8, 4, 6, "李雷", "li.lei@unicode-cafe.example"),
        (9, 5, 7, "Pat O'Reilly", "pat@oreilly-plumbing.example"),
    ]
    .into_iter()
    .map(|(id, client_id, site_id, name, email)| EndUser {
        id,
        client_id,
        site_id,
        name: name.to_owned(),
        email: email.to_owned(),
    })
    .collect()
}

/// (summary, details_html, tickettype, category). Some are hostile on purpose:
/// the notifier must show them as text and never run them.
const TEMPLATES: &[(&str, &str, i32, &str)] = &[
    (
        "Outlook keeps asking for password",
        "<p>Since this morning Outlook asks for my password every few minutes.</p><p>Thanks,<br>Megan</p>",
        1,
        "Email",
    ),
    (
        "Printer on 2nd floor says \"PC LOAD LETTER\"",
        "<div>The printer shows <b>\"PC LOAD LETTER\"</b> and won't print.\nWhat does that even mean?</div>",
        1,
        "Printing",
    ),
    (
        "VPN disconnects every 10 minutes",
        "<p>VPN drops every ~10 min when working from home.</p><ul><li>Windows 11</li><li>FortiClient 7.2</li></ul>",
        1,
        "Network",
    ),
    (
        "New starter: laptop and accounts for Jane Doe",
        "<p>Jane starts on Monday. Please set up a laptop, M365 licence and door badge.</p>",
        2,
        "Onboarding",
    ),
    (
        "Server DC01 disk C: at 95%",
        "<p>Alert from monitoring: <code>C:\\ 95% used</code> on DC01.</p>",
        1,
        "Servers",
    ),
    (
        "Website down - customers can't order!!",
        "<p><span style=\"color:red\">URGENT</span> our web shop returns 502 since 09:12.</p>",
        1,
        "Web",
    ),
    (
        "<script>alert('xss')</script> in subject",
        "<script>alert(document.cookie)</script><p>Hello, I pasted this from a website.</p>",
        1,
        "General",
    ),
    (
        "Image won't load",
        "<img src=x onerror=\"alert('pwned')\"><p>The attached screenshot doesn't display.</p>",
        1,
        "General",
    ),
    (
        "Entities &amp; stuff: &lt;b&gt;not bold&lt;/b&gt;",
        "<p>Shouldn&#39;t render as HTML: &lt;b&gt;bold?&lt;/b&gt; &amp;amp; &quot;quotes&quot; &#x1F600;</p>",
        1,
        "General",
    ),
    (
        "Café Wi-Fi ✓ kaputt — 東京 office 🚨",
        "<p>Das WLAN im Büro ist kaputt. 東京オフィスのWi-Fiが使えません。 مرحبا 👋🏽</p>",
        1,
        "Network",
    ),
    (
        "Link in email looks suspicious",
        "<p>Got a mail with <a href=\"javascript:alert(1)\">click here to verify</a>. Is it phishing?</p>",
        1,
        "Security",
    ),
    (
        "Request: access to Finance share",
        "<p>Please give me read access to \\\\fs01\\Finance.</p>",
        2,
        "Access",
    ),
    (
        "Firewall firmware update window",
        "<p>Planned update of the perimeter firewall on Saturday 22:00.</p>",
        4,
        "Change",
    ),
    (
        "Recurring: backup job failed on NAS",
        "<p>Backup job <i>Nightly-NAS</i> failed with error 0x80070005 (access denied).</p>",
        3,
        "Backup",
    ),
    (
        "Teams calls drop audio",
        "<iframe src=\"https://evil.example\"></iframe><p>Audio drops in Teams meetings after 5 minutes.</p>",
        1,
        "Collaboration",
    ),
    (
        "Password reset for  tab\tand trailing space ",
        "<p>Reset please.</p><style>p{display:none}</style>",
        2,
        "Access",
    ),
    (
        "Very long summary that goes on and on about a problem with the accounting software where every time someone opens the quarterly report the application freezes for several minutes and then crashes with an unhandled exception that mentions a null reference in a module nobody has heard of",
        "<p>See summary.</p>",
        1,
        "Applications",
    ),
    (
        "Suspicious sign-in from unknown country",
        "<p>Azure AD reported an impossible-travel sign-in for user <b>a.vance</b>.</p>",
        1,
        "Security",
    ),
    (
        "Monitor flickering",
        "<p>Second monitor flickers when the laptop is docked.</p>",
        1,
        "Hardware",
    ),
    (
        "Order 5 new headsets",
        "<p>Please order 5x Jabra Evolve2 65.</p>",
        2,
        "Procurement",
    ),
];

/// Adds one realistic ticket with a plausible history. `spread` scatters it
/// over the past two weeks (seeding); otherwise it is brand new (generator).
pub(crate) fn add_realistic_ticket(store: &mut Store, now: DateTime<Utc>, spread: bool) -> i32 {
    let rng = &mut store.rng;
    let (summary, details, tickettype_id, category) = TEMPLATES[rng.usize(..TEMPLATES.len())];
    let user = store.users[rng.usize(..store.users.len())].clone();
    let active_teams: Vec<i32> = store
        .teams
        .iter()
        .filter(|t| !t.inactive)
        .map(|t| t.id)
        .collect();
    let team_id = if tickettype_id == 4 {
        3
    } else if category == "Security" {
        4
    } else {
        active_teams[rng.usize(..active_teams.len())]
    };
    let priority_id = match rng.u8(..100) {
        0..8 => 1,
        8..30 => 2,
        30..80 => 3,
        _ => 4,
    };
    let members: Vec<i32> = store
        .agents
        .iter()
        .filter(|a| a.team_ids.contains(&team_id))
        .map(|a| a.id)
        .collect();
    // Roughly a quarter unassigned, like a busy service desk queue.
    let agent_id = if !spread || members.is_empty() || rng.u8(..100) < 25 {
        None
    } else {
        Some(members[rng.usize(..members.len())])
    };
    let open_ids: Vec<i32> = store
        .statuses
        .iter()
        .filter(|s| !s.closed && s.id != 1)
        .map(|s| s.id)
        .collect();
    let status_id = if !spread {
        1
    } else {
        match rng.u8(..100) {
            0..25 => 1,
            25..45 => store.closed_status_id,
            _ => open_ids[rng.usize(..open_ids.len())],
        }
    };
    let age = if spread {
        Duration::seconds(rng.i64(600..14 * 24 * 3600))
    } else {
        Duration::zero()
    };
    let occurred = now - age - Duration::seconds(if spread { rng.i64(0..300) } else { 0 });
    let created = now - age;
    let since_created = (now - created).num_seconds().max(1);
    let last_update = if spread {
        created + Duration::seconds(rng.i64(0..since_created))
    } else {
        now
    };
    let sub_ticks = Duration::nanoseconds(rng.i64(0..10_000_000) * 100);
    let (fixbydate, respondbydate) = store.sla_targets(tickettype_id, priority_id, created);
    let closed = store.is_closed(status_id);
    let id = store.next_ticket_id;
    let ticket = SimTicket {
        id,
        summary: summary.to_owned(),
        details_html: details.to_owned(),
        status_id,
        priority_id,
        tickettype_id,
        team_id,
        agent_id,
        client_id: user.client_id,
        site_id: user.site_id,
        user_id: user.id,
        user_name: user.name.clone(),
        category: category.to_owned(),
        impact: (priority_id).clamp(1, 3),
        urgency: (5 - priority_id).clamp(1, 3),
        dateoccurred: occurred + sub_ticks,
        datecreated: created + sub_ticks,
        dateclosed: closed.then_some(last_update + sub_ticks),
        last_update: last_update + sub_ticks,
        lastactiondate: last_update + sub_ticks,
        fixbydate,
        respondbydate,
        hasbeenclosed: closed,
    };
    store.insert_ticket(ticket);
    // The history: logged by the user; then a technician's last word if any.
    let logged = created + sub_ticks;
    store.push_action(
        id,
        OUTCOME_LOGGED,
        ActionAuthor::EndUser(user.id),
        details.to_owned(),
        None,
        None,
        logged,
    );
    if let Some(agent) = agent_id.filter(|_| spread && last_update > created) {
        let (outcome, note) = if closed {
            (
                OUTCOME_CLOSE,
                "<p>Fixed, closing. Please reply if it happens again.</p>",
            )
        } else {
            ("Acknowledge", "<p>Looking into it.</p>")
        };
        store.push_action(
            id,
            outcome,
            ActionAuthor::Agent(agent),
            note.to_owned(),
            Some(status_id),
            None,
            last_update + sub_ticks,
        );
    }
    // push_action moved the dates to the action's time; the history decides them.
    if let Some(t) = store.tickets.get_mut(&id) {
        t.last_update = last_update + sub_ticks;
        t.lastactiondate = last_update + sub_ticks;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_status_moves_colliding_defaults_away() {
        let list = statuses(3);
        let closed: Vec<_> = list.iter().filter(|s| s.closed).collect();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].id, 3);
        assert_eq!(closed[0].name, "Closed");
        let mut ids: Vec<_> = list.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), list.len(), "ids stay unique");
        assert!(list.iter().any(|s| s.id == 9 && !s.closed));
    }

    #[test]
    fn seeding_is_deterministic() {
        let now = Utc::now();
        let a = build_store(&SimConfig::default(), now);
        let b = build_store(&SimConfig::default(), now);
        assert_eq!(a.tickets, b.tickets);
        assert!(a.tickets.values().any(|t| t.agent_id.is_none()));
        assert!(a.tickets.values().any(|t| t.hasbeenclosed));
    }
}
