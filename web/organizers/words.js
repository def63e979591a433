// The program's own words (seed: start-a-group.txt), as shared/domain/program.py has them;
// tests/test_console_words.py keeps the two the same.
export const STEP_TITLES = {
  learn_more: "Step 1: Learn More",
  organize_core: "Step 2: Organize a Core",
  step_up_activism: "Step 3: Step up your Activism",
  get_chartered: "Step 4: Get Chartered",
  develop_plan: "Step 5: Develop a Plan",
  active: "Active chartered group",
  closed: "Closed",
};

export const STEP_TEXTS = {
  learn_more:
    "Set up an informal conversation with one of our Field Organizers or Area Coordinators " +
    "to see if the local group work is a good fit for you and what it takes to start a local group.",
  organize_core:
    "Once you've decided local group work is for you, it's time to tap into your network of " +
    "friends, neighbors and co-workers to see who might be interested in learning more about " +
    "Amnesty's work and possibly joining your group. You can start by gathering about 3-5 people " +
    "who will be the core of your local group.",
  step_up_activism:
    "Together your core group will decide what aspects of Amnesty's work you want to focus on and " +
    "how your group plans to recruit new members! After a few months of meetings with your new " +
    "group, you'll step up your activism by taking action on human rights violations through " +
    "letter writing, recruiting new members, and organizing a first event.",
  get_chartered:
    "Once your local group has a solid foundation of members and activities, it will have the " +
    "opportunity to get chartered for official AI recognition. At this time, your group will be " +
    "offered the opportunity to take on an individual case, receive a local group number and a set " +
    "of orientation materials to deepen and expand your activism and connect you to other groups.",
  develop_plan:
    "Now that your group is chartered and organized, it's time to develop a plan that will help you " +
    "strengthen your connection to Amnesty's work and your local community. Your group will explore " +
    "how it wants to campaign on its assigned case and on Amnesty's national human rights campaigns " +
    "and how it wants to grow its members and relationships with other local organizations engaged " +
    "with human rights.",
  active:
    "Your group is chartered and has a plan. Your Field Organizer and Area Coordinator " +
    "will keep supporting your group's development.",
  closed: "This group is closed. It can be reopened at the stage it left by your organizer.",
};

// Short names for lists, filters and the chart.
export const STAGE_NAMES = {
  learn_more: "Learn More",
  organize_core: "Organize a Core",
  step_up_activism: "Step up Activism",
  get_chartered: "Get Chartered",
  develop_plan: "Develop a Plan",
  active: "Active",
  closed: "Closed",
};
export const FORWARD = ["learn_more", "organize_core", "step_up_activism", "get_chartered", "develop_plan", "active"];

export const ACTIVITY_KINDS = {
  conversation: "Conversation",
  contact_attempt: "Tried, no answer",
  meeting: "Meeting",
  letter_writing: "Letter writing",
  event: "Event",
  recruitment: "Recruitment",
};

// DESIGN §1: the codes a close takes.
export const CLOSE_REASONS = {
  not_a_fit: "Not a fit",
  joined_existing_group: "Joined an existing group",
  no_response: "No response",
  withdrawn: "Withdrawn",
  duplicate: "Duplicate",
  other: "Other",
};

export const ROLE_NAMES = {
  admins: "Admin",
  field_organizers: "Field Organizer",
  area_coordinators: "Area Coordinator",
  field_organizer: "Field Organizer",
  area_coordinator: "Area Coordinator",
};

// Follow-up thresholds (DESIGN §5 defaults), used only to say how late a first contact is.
export const FIRST_CONTACT_REMINDER_DAYS = 3;
export const FIRST_CONTACT_ESCALATION_DAYS = 7;
export const STALLED_DAYS = 45;
