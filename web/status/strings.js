// Every word the founder's page shows, keyed by id, one dictionary per language.
//
// To add a language: copy `en` under its code (for example `es`), translate the values and
// keep the ids and the {placeholders}. The page picks the group's `language` from the API,
// else the browser's, else English; a missing id falls back to English.

export const STRINGS = {
  en: {
    "page.title": "Your group – Start a Group",
    "site.name": "Local Groups Program",
    "skip": "Skip to the content",
    "footer.hotline": "Hotline:",
    "hotline.text": "866-A-REGION (866-273-4466)",
    "loading": "Loading your group…",
    "back": "Back to your group",
    "required": "(required)",
    "optional": "(optional)",
    "error.prefix": "Error:",
    "error.summary": "There is a problem",
    "error.network": "We could not reach the server. Check your connection and try again.",
    "error.server": "Something went wrong on our side. Please try again in a few minutes, or call the hotline.",
    "error.rate": "Too many tries in a short time. Please wait a minute and try again.",
    "error.closed": "This can no longer be changed: {detail}",
    "error.field": "{label} {message}",

    // Lost or expired link
    "link.heading": "Your group’s page",
    "link.intro": "Your page is opened by the link in our emails. Enter the email address you used on the form and we will send you a fresh link.",
    "link.expired": "This link has expired or no longer works. Ask for a new one below.",
    "link.email": "Email address",
    "link.email.hint": "The address you gave when you sent the form.",
    "link.email.missing": "Enter your email address",
    "link.email.invalid": "Enter an email address like name@example.com",
    "link.submit": "Email me my link",
    "link.sent.heading": "Check your email",
    "link.sent.body": "If this address has a group, we sent a link to it. The link opens this page and works for 30 days.",
    "link.sent.again": "Use a different address",
    "link.start": "No group yet? Start one with the form.",

    // The group
    "home.heading": "Your group",
    "stage.step": "Step {n} of 5: {name}",
    "stage.heading": "Where your group is",
    "stage.name.learn_more": "Learn More",
    "stage.name.organize_core": "Organize a Core",
    "stage.name.step_up_activism": "Step up your Activism",
    "stage.name.get_chartered": "Get Chartered",
    "stage.name.develop_plan": "Develop a Plan",
    "stage.name.active": "Chartered and active",
    "stage.name.closed": "Closed",
    "stage.words.learn_more": "Set up an informal conversation with one of our Field Organizers or Area Coordinators to see if the local group work is a good fit for you and what it takes to start a local group.",
    "stage.words.organize_core": "Tap into your network of friends, neighbors and co-workers to see who might be interested in learning more about Amnesty’s work and possibly joining your group. Start by gathering about 3-5 people who will be the core of your local group.",
    "stage.words.step_up_activism": "Together your core group will decide what aspects of Amnesty’s work you want to focus on and how your group plans to recruit new members. After a few months of meetings, step up your activism by taking action on human rights violations through letter writing, recruiting new members, and organizing a first event.",
    "stage.words.get_chartered": "Your local group has a solid foundation of members and activities: it can now be chartered for official recognition, take on an individual case, and receive a local group number and a set of orientation materials.",
    "stage.words.develop_plan": "Your group is chartered. Now develop a plan: how your group will campaign on its case and on Amnesty’s national human rights campaigns, and how it will grow its members and relationships with other local organizations.",
    "stage.words.active": "Your group is chartered and has a plan. Your Field Organizer and Area Coordinator will keep supporting your group’s development.",
    "stage.words.closed": "Your group is closed. We no longer send you emails about it.",
    "closed.reason.withdrawn": "You told us you no longer want to start a group.",
    "closed.reason.not_a_fit": "Your organizer closed it.",
    "closed.reason.joined_existing_group": "You joined an existing group.",
    "closed.reason.no_response": "We did not hear back from you for a while. Call the hotline if you want to start again.",
    "closed.reason.duplicate": "It was a copy of another group.",
    "closed.reason.other": "Your organizer closed it.",
    "group.number": "Local group number {number}",

    "gate.heading": "To move on to {next}",
    "gate.all_met": "Everything is done for this step. Your organizer can now move your group on.",
    "gate.met": "Done",
    "gate.unmet": "Not yet",
    "gate.count": "{have} of {need}",
    "gate.count.days": "{have} of {need} days",
    "gate.conversation": "A conversation with your organizer",
    "gate.core_members": "Core members, you included",
    "gate.meetings": "Meetings",
    "gate.meeting_span_days": "Meetings spread over a few months, first to last",
    "gate.letter_writing": "Letter-writing actions",
    "gate.events": "Events (your first event)",
    "gate.members": "Members, core members and you included",
    "gate.case_id": "An individual case, offered with the charter",
    "gate.plan": "A plan recorded with your organizer",
    "gate.who.learn_more": "Your organizer records the conversation once you have talked.",
    "gate.who.get_chartered": "Your Field Organizer grants the charter.",
    "gate.who.develop_plan": "Your Field Organizer records the plan with you.",

    "organizer.heading": "Your organizer",
    "organizer.role.area_coordinator": "Area Coordinator",
    "organizer.role.field_organizer": "Field Organizer",
    "organizer.none": "The national organizing team will get in touch with you.",

    "actions.heading": "Tell us what your group did",
    "actions.add_member": "Add a core member or member",
    "actions.report": "Report a meeting, letter writing, an event or recruiting",
    "actions.details": "Correct your name, phone or city",

    "people.heading": "People in your group",
    "people.you": "{name} (you)",
    "people.core": "Core members",
    "people.members": "Members",
    "people.none": "No one added yet.",
    "people.counts": "{core} core members; {members} people in all, you included.",

    "timeline.heading": "What has happened",
    "timeline.empty": "Nothing yet.",
    "timeline.by_you": "Reported by you",
    "timeline.by_organizer": "Logged by your organizer",
    "timeline.created": "You sent the form",
    "timeline.moved": "Moved to step {n}: {name}",
    "timeline.moved.active": "Chartered and active",
    "timeline.closed": "Group closed",
    "timeline.reopened": "Group reopened",
    "timeline.member.core": "{name} joined as a core member",
    "timeline.member.member": "{name} joined as a member",
    "kind.meeting": "Meeting",
    "kind.letter_writing": "Letter writing",
    "kind.event": "Event",
    "kind.recruitment": "Recruiting",
    "kind.conversation": "Conversation with your organizer",
    "kind.contact_attempt": "Your organizer tried to reach you",

    "leave.heading": "Stop or erase",
    "leave.withdraw": "I no longer want to start a group",
    "leave.erase": "Erase my data",
    "leave.emails": "Stop emails about my group",
    "leave.emails.stopped": "You stopped our emails about your group. We only email you when you ask for something, such as a new link.",

    // Stop emails
    "emails.heading": "Stop emails about your group",
    "emails.body": "We will stop sending you reminders and news about your group. You will still get an email when you ask for something yourself, such as a new link to this page.",
    "emails.submit": "Stop the emails",
    "emails.cancel": "No, keep the emails",
    "emails.done": "We stopped the emails about your group.",

    // Add a member
    "member.heading": "Add someone to your group",
    "member.intro": "Add the people who are joining you. Your organizer sees who you add.",
    "member.name": "Their name",
    "member.email": "Their email",
    "member.email.hint": "So your organizer can welcome them.",
    "member.role": "How are they joining?",
    "member.role.core": "Core member",
    "member.role.core.hint": "One of the 3-5 people who lead the group with you.",
    "member.role.member": "Member",
    "member.role.member.hint": "Takes part in the group’s meetings and actions.",
    "member.role.missing": "Choose core member or member",
    "member.name.missing": "Enter their name",
    "member.submit": "Add to my group",
    "member.done.core": "{name} is now a core member of your group.",
    "member.done.member": "{name} is now a member of your group.",

    // Report an activity
    "report.heading": "Report what your group did",
    "report.kind": "What did your group do?",
    "report.kind.meeting": "A meeting",
    "report.kind.letter_writing": "Letter writing",
    "report.kind.event": "An event",
    "report.kind.recruitment": "Recruiting new members",
    "report.kind.missing": "Choose what your group did",
    "report.date": "When?",
    "report.date.hint": "The day it happened.",
    "report.date.missing": "Enter the day it happened",
    "report.notes": "Notes",
    "report.notes.hint": "What you did, how many came. Up to 2000 characters.",
    "report.submit": "Report it",
    "report.done": "Reported: {kind} on {date}. Your organizer sees it.",

    // Correct details
    "details.heading": "Correct your details",
    "details.name": "Your name",
    "details.phone": "Phone",
    "details.phone.hint": "For example 212-555-0123, or +44 20 7946 0958 outside the US. Leave empty to remove it.",
    "details.city": "City or town",
    "details.email": "Your email is how we know you. To use another address, send the form again from it.",
    "details.name.missing": "Enter your name",
    "details.city.missing": "Enter your city or town",
    "details.submit": "Save my details",
    "details.done": "Your details are saved.",
    "details.unchanged": "Nothing changed.",

    // Withdraw
    "withdraw.heading": "I no longer want to start a group",
    "withdraw.body": "Your group will be closed and we will stop emailing you. Your organizer will see that you withdrew, and this link will stop working.",
    "withdraw.note": "Anything you want your organizer to know?",
    "withdraw.submit": "Yes, close my group",
    "withdraw.cancel": "No, keep my group",
    "withdraw.erase_instead": "Want your data erased as well? Erase my data instead.",
    "withdraw.done.heading": "Your group is closed",
    "withdraw.done": "We will not email you about it again. Thank you for your time and your activism.",
    "withdraw.done.again": "If you want to start a group again one day, send the form.",

    // Erase
    "erase.heading": "Erase my data",
    "erase.body": "This erases your name, email address, phone, city and messages, the people you added and your notes, from every group and inquiry of your email address, open or closed. Only anonymous counts stay.",
    "erase.warning": "This cannot be undone. Your organizer will no longer be able to contact you, and this link will stop working.",
    "erase.confirm": "I understand that my data will be erased and this cannot be undone",
    "erase.confirm.missing": "Tick the box to confirm that you want your data erased",
    "erase.submit": "Erase my data",
    "erase.cancel": "No, go back",
    "erased.heading": "Your data has been erased",
    "erased.body": "We have erased your personal data. We will not contact you again.",
    "erased.again": "If you ever want to start a group again, send the form.",

    // Field names, for the server's messages ("Phone is not a valid number")
    "field.name": "Name",
    "field.email": "Email",
    "field.phone": "Phone",
    "field.city": "City",
    "field.role": "Role",
    "field.kind": "What your group did",
    "field.date": "Date",
    "field.notes": "Notes",
    "field.note": "Note",
  },
};

export function pickLanguage(preferred) {
  const wanted = [preferred, ...(navigator.languages || [navigator.language])]
    .filter(Boolean)
    .map((code) => String(code).toLowerCase().slice(0, 2));
  return wanted.find((code) => code in STRINGS) || "en";
}

// The text of `id` in `lang` with its {placeholders} filled in.
export function text(lang, id, values = {}) {
  const template = (STRINGS[lang] && STRINGS[lang][id]) ?? STRINGS.en[id];
  if (template === undefined) return id;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
