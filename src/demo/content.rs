//! The demo's sample posts: Swedish and English, criticism, praise and neutral mentions of the demo
//! company "GoMonday" (and its product MondayPay, and its CEO Erik Andersson), plus posts that share a
//! word with a brand without being about it, so that matching is seen to discriminate.

/// One forum post. `ago_min` is how long before the demo started it was written.
pub struct ForumPost {
    pub id: u32,
    pub author: &'static str,
    pub ago_min: i64,
    pub text: &'static str,
}

pub struct ForumThread {
    pub id: u32,
    pub title: &'static str,
    /// Posts in order; the forum shows three per page.
    pub posts: &'static [ForumPost],
}

/// The leader's own account on the forum: their posts are replies, never mentions.
pub const LEADER_HANDLE: &str = "ErikA_GoMonday";

pub const THREADS: &[ForumThread] = &[
    ForumThread {
        id: 4711,
        title: "GoMonday – någon mer som väntar på sin återbetalning?",
        posts: &[
            ForumPost {
                id: 90001,
                author: "Kassakalle",
                ago_min: 60 * 50,
                text: "Har väntat i tre veckor på återbetalningen från GoMonday. Kundtjänsten svarar inte på mejl och i telefon är det bara kö. Riktigt dålig service.",
            },
            ForumPost {
                id: 90002,
                author: "Lisa_G",
                ago_min: 60 * 49,
                text: "Samma här! Beställde via gomonday.se i oktober och har fortfarande inte fått pengarna tillbaka. Aldrig mer.",
            },
            ForumPost {
                id: 90003,
                author: "Mackan",
                ago_min: 60 * 30,
                text: "Jag har inte haft några problem alls, men jag har bara handlat en gång.",
            },
            ForumPost {
                id: 90004,
                author: "ErikA_GoMonday",
                ago_min: 60 * 26,
                text: "Hej Kassakalle och Lisa, Erik här, vd på GoMonday. Jag är ledsen för väntan – skicka era ordernummer till erik@gomonday.se så ser jag personligen till att det löser sig i dag.",
            },
            ForumPost {
                id: 90005,
                author: "Kassakalle",
                ago_min: 60 * 20,
                text: "Tack Erik, pengarna kom nu. Bra att vd:n själv tar tag i det.",
            },
            ForumPost {
                id: 90006,
                author: "Fia",
                ago_min: 60 * 3,
                text: "MondayPay-appen kraschar varje gång jag försöker logga in sedan senaste uppdateringen. Helt värdelöst när man ska betala en faktura.",
            },
            ForumPost {
                id: 90007,
                author: "Bengt_B",
                ago_min: 45,
                text: "Det är väl måndag för hela internet i dag, min bank krånglar också.",
            },
        ],
    },
    ForumThread {
        id: 4712,
        title: "Tips på bra betalappar 2026?",
        posts: &[
            ForumPost {
                id: 91001,
                author: "Sparsam",
                ago_min: 60 * 70,
                text: "Vilka betalappar använder ni? Letar efter något enkelt för hushållets räkningar.",
            },
            ForumPost {
                id: 91002,
                author: "Pelle",
                ago_min: 60 * 69,
                text: "Jag kör MondayPay sedan i våras och är jättenöjd, smidig och snabb. Supporten svarade inom en timme när jag hade en fråga.",
            },
            ForumPost {
                id: 91003,
                author: "Anna_K",
                ago_min: 60 * 40,
                text: "Swish räcker långt för mig. Går till gymmet varje måndag morgon och betalar med det där också.",
            },
            ForumPost {
                id: 91004,
                author: "Nisse",
                ago_min: 60 * 10,
                text: "GoMonday har blivit mycket bättre sista året, inte alls lika krångligt som förut.",
            },
        ],
    },
];

pub struct Review {
    pub id: &'static str,
    pub author: &'static str,
    pub rating: u8,
    pub days_ago: i64,
    pub title: &'static str,
    pub text: &'static str,
}

/// Reviews of GoMonday on the review site (published as schema.org JSON-LD).
pub const REVIEWS: &[Review] = &[
    Review {
        id: "r-501",
        author: "Johanna L.",
        rating: 1,
        days_ago: 4,
        title: "Ingen återkoppling",
        text: "Skickade tre ärenden till GoMonday och fick aldrig något svar. Känns som att ingen läser.",
    },
    Review {
        id: "r-502",
        author: "Mark T.",
        rating: 5,
        days_ago: 3,
        title: "Great service",
        text: "GoMonday sorted out my billing issue in ten minutes. Friendly and fast – highly recommended!",
    },
    Review {
        id: "r-503",
        author: "Olof",
        rating: 2,
        days_ago: 2,
        title: "Dyrt",
        text: "Priserna hos GoMonday har gått upp två gånger i år utan förvarning. Inte okej.",
    },
    Review {
        id: "r-504",
        author: "Sara",
        rating: 4,
        days_ago: 1,
        title: "Bra app",
        text: "MondayPay är enkel att använda och jag gillar översikten över fakturorna.",
    },
    Review {
        id: "r-505",
        author: "Priya",
        rating: 3,
        days_ago: 0,
        title: "Okay",
        text: "GoMonday works, nothing special. Setup took about a day.",
    },
];

pub struct BlogPost {
    pub slug: &'static str,
    pub title: &'static str,
    pub author: &'static str,
    pub hours_ago: i64,
    pub html: &'static str,
}

pub const BLOG_POSTS: &[BlogPost] = &[
    BlogPost {
        slug: "fintech-2026",
        title: "Fintech in 2026: who actually answers their customers?",
        author: "Konsumentbloggen",
        hours_ago: 72,
        html: "<p>We wrote to ten payment companies with the same question. <strong>GoMonday</strong> answered within four hours, the CEO himself. Three never answered at all.</p><p>Full table below.</p>",
    },
    BlogPost {
        slug: "mandagsbluesen",
        title: "Måndagsbluesen och hur du slår den",
        author: "Konsumentbloggen",
        hours_ago: 30,
        html: "<p>Går du också till jobbet med tunga steg varje måndag morgon? Här är fem tips för att komma igång med veckan.</p>",
    },
    BlogPost {
        slug: "go-monday-morning",
        title: "Go Monday morning, go!",
        author: "Konsumentbloggen",
        hours_ago: 20,
        html: "<p>Let's go Monday morning to the gym and start the week right. Not a sponsored post.</p>",
    },
    BlogPost {
        slug: "erik-andersson-intervju",
        title: "Intervju: Erik Andersson om kundtjänst",
        author: "Konsumentbloggen",
        hours_ago: 8,
        html: "<p>Vi träffade Erik Andersson, vd på GoMonday, som svarar på kritik personligen. ”Varje klagomål är en gratis konsultrapport”, säger han.</p>",
    },
];

pub struct Comment {
    pub id: u32,
    pub post_slug: &'static str,
    pub author: &'static str,
    pub hours_ago: i64,
    pub text: &'static str,
}

pub const COMMENTS: &[Comment] = &[
    Comment {
        id: 301,
        post_slug: "fintech-2026",
        author: "Tove",
        hours_ago: 60,
        text: "Intressant, men GoMonday tog två veckor på sig att svara mig förra månaden. Det är inte min bild alls.",
    },
    Comment {
        id: 302,
        post_slug: "fintech-2026",
        author: "Dan",
        hours_ago: 50,
        text: "Same experience as the article, GoMonday support was brilliant.",
    },
    Comment {
        id: 303,
        post_slug: "erik-andersson-intervju",
        author: "Maja",
        hours_ago: 6,
        text: "Fint att en vd tar kritik på allvar. Fler borde göra som Erik Andersson.",
    },
    Comment {
        id: 304,
        post_slug: "mandagsbluesen",
        author: "Ulf",
        hours_ago: 5,
        text: "Bra tips! Kaffe hjälper mig mest på måndagar.",
    },
];

pub struct ApiPost {
    pub id: u32,
    pub topic_id: u32,
    pub post_number: u32,
    pub username: &'static str,
    pub hours_ago: i64,
    pub blurb: &'static str,
}

/// Posts returned by the demo's Discourse-style search API (`/search.json?q=…`).
pub const API_POSTS: &[ApiPost] = &[
    ApiPost {
        id: 7001,
        topic_id: 88,
        post_number: 3,
        username: "devops_dave",
        hours_ago: 40,
        blurb: "Has anyone integrated the GoMonday API? Their docs are outdated and the webhook signature check fails. Still waiting for a reply from support after 5 days.",
    },
    ApiPost {
        id: 7002,
        topic_id: 88,
        post_number: 4,
        username: "kim",
        hours_ago: 39,
        blurb: "We use GoMonday in production, works fine for us once you set the right headers.",
    },
    ApiPost {
        id: 7003,
        topic_id: 91,
        post_number: 1,
        username: "ana",
        hours_ago: 12,
        blurb: "Love the new MondayPay dashboard, the export to CSV is exactly what we needed. Thanks!",
    },
    ApiPost {
        id: 7004,
        topic_id: 93,
        post_number: 2,
        username: "lars",
        hours_ago: 2,
        blurb: "Monday releases are risky; we moved our deploys to Tuesdays.",
    },
];
