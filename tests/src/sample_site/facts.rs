//! The company's facts the pages show and the truth lists: team, products,
//! jobs, social profiles, phone numbers and registration.

/// The company's e-mail domain.
pub(super) const DOMAIN: &str = "nordwind-robotics.de";

/// Blog posts on the site.
pub(super) const BLOG_POSTS: usize = 380;
/// Blog posts per index page.
pub(super) const POSTS_PER_PAGE: usize = 10;

/// A person on the team page.
pub(super) struct TeamMember {
    pub(super) name: &'static str,
    pub(super) title: &'static str,
    pub(super) joined: u32,
}

pub(super) const TEAM: &[TeamMember] = &[
    TeamMember {
        name: "Anna Berger",
        title: "Chief Executive Officer",
        joined: 2015,
    },
    TeamMember {
        name: "Jonas Keller",
        title: "Chief Technology Officer",
        joined: 2015,
    },
    TeamMember {
        name: "Miriam Hoffmann",
        title: "Chief Financial Officer",
        joined: 2017,
    },
    TeamMember {
        name: "Lukas Brandt",
        title: "Head of Engineering",
        joined: 2016,
    },
    TeamMember {
        name: "Sophie Wagner",
        title: "Head of Marketing",
        joined: 2018,
    },
    TeamMember {
        name: "Felix Schuster",
        title: "Lead Robotics Engineer",
        joined: 2016,
    },
    TeamMember {
        name: "Clara Neumann",
        title: "Product Manager",
        joined: 2019,
    },
    TeamMember {
        name: "David Richter",
        title: "Senior Software Engineer",
        joined: 2019,
    },
    TeamMember {
        name: "Lea Zimmermann",
        title: "UX Designer",
        joined: 2020,
    },
    TeamMember {
        name: "Tobias Krüger",
        title: "Sales Director",
        joined: 2018,
    },
    TeamMember {
        name: "Hannah Lehmann",
        title: "Customer Success Manager",
        joined: 2021,
    },
    TeamMember {
        name: "Niklas Hartmann",
        title: "Hardware Engineer",
        joined: 2020,
    },
    TeamMember {
        name: "Emma Schulz",
        title: "Data Scientist",
        joined: 2021,
    },
    TeamMember {
        name: "Paul Fischer",
        title: "Field Service Engineer",
        joined: 2022,
    },
    TeamMember {
        name: "Marie Lange",
        title: "Office Manager",
        joined: 2017,
    },
    TeamMember {
        name: "Jakob Peters",
        title: "Embedded Software Developer",
        joined: 2023,
    },
];

/// Products: (name, slug, one-line description).
pub(super) const PRODUCTS: &[(&str, &str, &str)] = &[
    (
        "Atlas Arm",
        "atlas-arm",
        "A six-axis industrial arm for payloads up to twelve kilograms.",
    ),
    (
        "Boreas Gripper",
        "boreas-gripper",
        "An adaptive gripper that handles fragile and irregular parts.",
    ),
    (
        "Cirrus Vision Kit",
        "cirrus-vision-kit",
        "Stereo cameras and software that let robots see bins and pallets.",
    ),
    (
        "Drift AMR",
        "drift-amr",
        "An autonomous mobile robot that moves carts through busy halls.",
    ),
    (
        "Eddy Conveyor Module",
        "eddy-conveyor-module",
        "A modular conveyor segment with built-in sensing.",
    ),
    (
        "Fjord Control Suite",
        "fjord-control-suite",
        "Cell control software with a visual programming editor.",
    ),
    (
        "Gale Safety Scanner",
        "gale-safety-scanner",
        "A certified laser scanner that slows robots near people.",
    ),
    (
        "Halo Cobot",
        "halo-cobot",
        "A collaborative robot that works beside people without a fence.",
    ),
    (
        "Isobar Fleet Manager",
        "isobar-fleet-manager",
        "Traffic control and task planning for fleets of mobile robots.",
    ),
    (
        "Jetstream Welding Cell",
        "jetstream-welding-cell",
        "A compact welding cell that is set up in a single day.",
    ),
    (
        "Kestrel Inspection Drone",
        "kestrel-inspection-drone",
        "An indoor drone that inspects racks and ceilings.",
    ),
    (
        "Lull Charging Dock",
        "lull-charging-dock",
        "A fast charging dock for every Nordwind mobile robot.",
    ),
];

/// Open positions: (title, slug).
pub(super) const JOBS: &[(&str, &str)] = &[
    ("Senior Robotics Engineer", "senior-robotics-engineer"),
    ("Embedded Linux Developer", "embedded-linux-developer"),
    ("Computer Vision Researcher", "computer-vision-researcher"),
    ("Technical Writer", "technical-writer"),
    ("Field Service Technician", "field-service-technician"),
    (
        "Sales Representative Nordics",
        "sales-representative-nordics",
    ),
    ("Working Student Marketing", "working-student-marketing"),
    (
        "Quality Assurance Specialist",
        "quality-assurance-specialist",
    ),
];

/// Social profiles linked from every page's footer: (platform in the
/// report, URL on the page, canonical URL in the report).
pub(super) const SOCIAL: &[(&str, &str, &str)] = &[
    (
        "linkedin",
        "https://www.linkedin.com/company/nordwind-robotics/",
        "https://www.linkedin.com/company/nordwind-robotics",
    ),
    (
        "x",
        "https://twitter.com/NordwindRobots",
        "https://x.com/nordwindrobots",
    ),
    (
        "github",
        "https://github.com/nordwind-robotics",
        "https://github.com/nordwind-robotics",
    ),
    (
        "youtube",
        "https://www.youtube.com/@NordwindRobotics",
        "https://www.youtube.com/@nordwindrobotics",
    ),
    (
        "instagram",
        "https://www.instagram.com/nordwind.robotics/",
        "https://www.instagram.com/nordwind.robotics",
    ),
    (
        "mastodon",
        "https://mastodon.social/@nordwind",
        "https://mastodon.social/@nordwind",
    ),
];

pub(super) const MAIN_PHONE: &str = "+49 89 12345678";
pub(super) const MAIN_PHONE_E164: &str = "+498912345678";
pub(super) const FAX: &str = "+49 89 12345679";
pub(super) const FAX_E164: &str = "+498912345679";
pub(super) const HAMBURG_PHONE: &str = "+49 40 87654321";
pub(super) const HAMBURG_PHONE_E164: &str = "+494087654321";
pub(super) const VAT_ID: &str = "DE136695976";
pub(super) const REGISTRATION: &str = "HRB 234567";
