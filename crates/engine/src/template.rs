//! The starter scenario `courtesy new` writes: small, valid, commented, in the locales asked for.

use std::fmt::Write;

/// Whether `id` is a usable scenario id: the validator's one id rule.
pub use crate::validate::valid_id;

struct T<'a> {
    locales: &'a [String],
}

impl T<'_> {
    /// A text map with the Chinese and English strings for the locales asked for;
    /// other locales get a "translate me" placeholder with the English text.
    fn t(&self, zh: &str, en: &str) -> String {
        let parts: Vec<String> = self
            .locales
            .iter()
            .map(|l| {
                let s = match l.as_str() {
                    "zh-CN" => zh.to_string(),
                    "en" => en.to_string(),
                    other => format!("[{other}] {en}"),
                };
                format!("{:?}: {:?}", l, s)
            })
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

/// The text of a new scenario file with id `id` in `locales`.
pub fn new_scenario(id: &str, locales: &[String]) -> String {
    let t = T { locales };
    let mut o = String::new();
    header(&mut o, &t, id, locales);
    let _ = writeln!(o, "    steps: [");
    greet_step(&mut o, &t);
    answer_step(&mut o, &t);
    anything_else_step(&mut o, &t);
    let _ = writeln!(o, "    ],");
    endings(&mut o, &t);
    o
}

/// The opening comment and the scenario fields before `steps`.
fn header(o: &mut String, t: &T, id: &str, locales: &[String]) {
    let _ = writeln!(
        o,
        "// A new Courtesy scenario. Edit the texts, add steps, then check it:\n\
         //   courtesy validate scenarios/{id}.ron      (problems, with line numbers)\n\
         //   courtesy check scenarios/{id}.ron         (what each ending can score; can shallow cues pass it?)\n\
         //   courtesy run {id} --strategy best          (play it headless)\n\
         // Every field is explained in docs/scenario-format.md.\n\
         Scenario(\n    id: {id:?},\n    // Every text below must be written in each of these locales.\n    locales: {locales:?},"
    );
    let _ = writeln!(o, "    title: {},", t.t("新情景", "New scenario"));
    let _ = writeln!(o, "    category: {},", t.t("咨询", "Enquiries"));
    let _ = writeln!(
        o,
        "    // Introductory, Intermediate or Advanced.\n    difficulty: Introductory,\n    minutes: 5,"
    );
    let _ = writeln!(
        o,
        "    briefing: {},",
        t.t(
            "一位顾客来到服务台询问订单的情况。",
            "A customer comes to the service desk to ask about an order."
        )
    );
    let _ = writeln!(
        o,
        "    goal: {},",
        t.t(
            "弄清顾客的需要，礼貌地给出明确答复。",
            "Find out what the customer needs and give a clear, polite answer."
        )
    );
    let _ = writeln!(
        o,
        "    customer: (\n        name: {},\n        wants: {},\n        // special_needs: {},\n    ),",
        t.t("李女士", "Ms Li"),
        t.t("知道订单什么时候到", "To know when her order will arrive"),
        t.t("听力不好", "Hard of hearing")
    );
    let _ = writeln!(
        o,
        "    // Mood runs from 0 (furious) to 100 (delighted).\n    start_mood: 50,"
    );
    let _ = writeln!(
        o,
        "    // Pass = overall score >= pass_mark and every principle >= its floor (if any).\n    scoring: (pass_mark: 85, floors: (respect: 70)),"
    );
    let _ = writeln!(o, "    start: \"greet\",");
    let _ = writeln!(
        o,
        "    // If the mood falls below 20 after a reply, the customer leaves (once per attempt).\n    triggers: [(when: Below(20), goto: \"customer-leaves\")],"
    );
}

/// One reply of the starter, as [`reply`] writes it.
struct Reply<'a> {
    id: &'a str,
    text: String,
    /// Respect, moderation, self-discipline.
    ratings: (i32, i32, i32),
    mood: i32,
    feedback: String,
    cite: &'a str,
    next: &'a str,
}

/// Writes one reply inside a step's `replies: [...]`.
fn reply(o: &mut String, r: Reply) {
    let Reply {
        id,
        text,
        ratings,
        mood,
        feedback: fb,
        cite,
        next,
    } = r;
    let _ = writeln!(
        o,
        "                (\n                    id: {id:?},\n                    text: {text},\n                    // -2 violates … +2 exemplary\n                    ratings: (respect: {}, moderation: {}, self_discipline: {}),\n                    mood: {mood},\n                    feedback: {fb},\n                    cite: [{cite:?}],\n                    next: {next:?},\n                ),",
        ratings.0, ratings.1, ratings.2
    );
}

/// The first step: the customer asks about her order.
fn greet_step(o: &mut String, t: &T) {
    let _ = writeln!(
        o,
        "        (\n            id: \"greet\",\n            // One or more variants; one is picked at random on each visit.\n            says: [{}],\n            // Replies are shown in a random order. Make the wrong ones plausible: here a\n            // long, grovelling welcome (warm, so +2 respect, but servile: -1 moderation)\n            // and a curt one. `courtesy check` fails a scenario that picking the longest,\n            // the most polite or the most consultative reply can pass.\n            replies: [",
        t.t(
            "你好，我想问一下我的订单。",
            "Hello, I'd like to ask about my order."
        )
    );
    reply(o, Reply { id: "grovel", text: t.t(
            "哎呀您好您好，欢迎欢迎！真是太抱歉让您久等了，您请坐，谢谢您专门跑一趟，麻烦您告诉我一下订单号好吗？",
            "Oh, hello, welcome, welcome! I'm so sorry to keep you waiting, please do sit down, thank you so much for coming in; could I possibly trouble you for the order number?",
        ), ratings: (2, -1, 0), mood: 5, feedback: t.t(
            "热情，但一连串道歉和客套显得低声下气，也耽误了顾客的时间。",
            "Warm, but the string of apologies and thanks is servile and keeps her waiting.",
        ), cite: "M", next: "answer" });
    reply(
        o,
        Reply {
            id: "welcome",
            text: t.t(
                "您好，哪个订单？我帮您查。",
                "Hello. Which order is it? I'll look it up.",
            ),
            ratings: (2, 2, 1),
            mood: 10,
            feedback: t.t(
                "问候、询问、表明要帮忙，简短得体。",
                "A greeting, a question and an offer to help: short and to the point.",
            ),
            cite: "L5",
            next: "answer",
        },
    );
    reply(
        o,
        Reply {
            id: "number",
            text: t.t("订单号。", "Order number."),
            ratings: (-1, 1, 1),
            mood: -10,
            feedback: t.t(
                "不失分寸，但没有问候，像在下命令。",
                "Composed, but with no greeting it sounds like an order.",
            ),
            cite: "L7",
            next: "answer",
        },
    );
    let _ = writeln!(o, "            ],\n        ),");
}

/// The second step, with a time limit and a timeout-only reply.
fn answer_step(o: &mut String, t: &T) {
    let _ = writeln!(
        o,
        "        (\n            id: \"answer\",\n            says: [{}],\n            // Optional: seconds to reply, and the reply taken when time runs out.\n            time_limit: 30,\n            on_timeout: \"silence\",\n            replies: [",
        t.t(
            "是 A1024。什么时候能到？",
            "It's A1024. When will it arrive?"
        )
    );
    reply(o, Reply { id: "promise", text: t.t(
            "您千万别担心，肯定今天就到！要不要我亲自跟您保证？您看到时候我给您打个电话好吗？",
            "Please don't worry, it will definitely arrive today, I promise you personally. How about I call you the moment it comes? Would you like that?",
        ), ratings: (2, -1, -2), mood: 5, feedback: t.t(
            "很热情，但承诺做不到的事情会误导顾客。",
            "Very warm, but promising what you cannot know misleads the customer.",
        ), cite: "P4", next: "anything-else" });
    reply(
        o,
        Reply {
            id: "explain",
            text: t.t(
                "明天下午到，发货时会有短信通知您。",
                "Tomorrow afternoon. You'll get a text when it's on its way.",
            ),
            ratings: (1, 2, 2),
            mood: 20,
            feedback: t.t("答复真实、明确。", "A true, clear answer."),
            cite: "L1",
            next: "anything-else",
        },
    );
    reply(
        o,
        Reply {
            id: "dont-know",
            text: t.t("不清楚，您明天再来问吧。", "No idea. Ask again tomorrow."),
            ratings: (-2, 0, -1),
            mood: -20,
            feedback: t.t(
                "不能用“不清楚”回答顾客。",
                "Never answer a customer with \"no idea\".",
            ),
            cite: "L10",
            next: "customer-leaves",
        },
    );
    let _ = writeln!(
        o,
        "                (\n                    id: \"silence\",\n                    text: {},\n                    ratings: (respect: -1, moderation: 0, self_discipline: -1),\n                    mood: -15,\n                    feedback: {},\n                    cite: [\"B3\"],\n                    next: \"customer-leaves\",\n                    // Never shown as a button; only taken when the time runs out.\n                    timeout_only: true,\n                ),",
        t.t("（沉默不语）", "(says nothing)"),
        t.t(
            "让顾客干等就是冷落顾客。",
            "Leaving the customer waiting in silence is coldness."
        )
    );
    let _ = writeln!(o, "            ],\n        ),");
}

/// The last step before the endings.
fn anything_else_step(o: &mut String, t: &T) {
    let _ = writeln!(
        o,
        "        (\n            id: \"anything-else\",\n            says: [{}],\n            replies: [",
        t.t(
            "好的。那我需要做什么吗？",
            "Fine. Do I need to do anything?"
        )
    );
    reply(o, Reply { id: "flatter", text: t.t(
            "什么都不用做！像您这么好的顾客，一切都交给我们，您就放一百个心，咱们就这么说定了，好不好？",
            "Nothing at all! A lovely customer like you never has to lift a finger; we take care of absolutely everything, so shall we call it settled?",
        ), ratings: (1, -2, 0), mood: 0, feedback: t.t(
            "奉承不是热情：分寸没有把握好。",
            "Flattery is not warmth: it oversteps the measure.",
        ), cite: "M", next: "resolved" });
    reply(
        o,
        Reply {
            id: "phone-on",
            text: t.t(
                "不用，保持电话畅通就行。还有别的需要吗？",
                "Nothing; just keep your phone on. Anything else I can help with?",
            ),
            ratings: (2, 1, 2),
            mood: 10,
            feedback: t.t(
                "回答了问题，并主动询问其他需要。",
                "It answers the question and offers further help.",
            ),
            cite: "L7",
            next: "resolved",
        },
    );
    reply(
        o,
        Reply {
            id: "next-please",
            text: t.t("没有。下一位，请。", "No. Next, please."),
            ratings: (-1, 1, 1),
            mood: -5,
            feedback: t.t(
                "答得没错，但急着打发顾客走。",
                "Correct, but it hurries the customer away.",
            ),
            cite: "B3",
            next: "resolved",
        },
    );
    let _ = writeln!(o, "            ],\n        ),");
}

/// The two endings and the closing parenthesis.
fn endings(o: &mut String, t: &T) {
    let _ = writeln!(
        o,
        "    endings: [\n        // Outcomes: Resolved, Escalated, CustomerLeft, Unresolved.\n        (id: \"resolved\", outcome: Resolved, text: {}),\n        (id: \"customer-leaves\", outcome: CustomerLeft, text: {}),\n    ],\n)",
        t.t("顾客满意地离开了。", "The customer leaves satisfied."),
        t.t("顾客失望地离开了。", "The customer leaves disappointed.")
    );
}
