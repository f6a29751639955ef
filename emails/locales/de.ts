/** @module locales/de — Deutsch (Sie-Form). */
import type { Messages } from "./types.ts";

export const de: Messages = {
  tag: "de",
  defaultFormatLocale: "de-DE",
  languageName: "German",

  greeting: (name) => (name ? `Hallo ${name},` : "Guten Tag,"),
  signOff: "Vielen Dank",
  team: (brand) => `Ihr ${brand}-Team`,
  buttonFallback: "Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:",
  forPlan: (plan) => (plan ? `für Ihren Tarif „${plan}“` : "für Ihr Abonnement"),
  forPurchase: (d) => (d ? `für „${d}“` : "für Ihren Kauf"),

  details: {
    title: "Zahlungsdetails",
    amount: "Betrag",
    item: "Für",
    card: "Karte",
    dueDate: "Fällig am",
    cardValue: (brand, last4) => `${brand} mit Endziffern ${last4}`,
  },

  footer: {
    renewal: (brand) => `Sie erhalten diese E-Mail, weil Sie ein Abonnement bei ${brand} haben.`,
    oneOff: (brand) => `Sie erhalten diese E-Mail wegen einer Zahlung an ${brand}.`,
    offer: (brand) => `Sie erhalten dieses Angebot als Kundin oder Kunde von ${brand}.`,
    support: (email) => `Fragen? Schreiben Sie uns an ${email}.`,
    unsubscribe: "Keine Angebote mehr erhalten",
  },

  annualGrace: (brand) => `Als Jahreskunde behalten Sie während einer Kulanzfrist vollen Zugang zu ${brand}, bis die Zahlung geklärt ist.`,
  viewInvoice: "Rechnung ansehen",
  alreadyUpdated: "Falls Sie Ihre Angaben bereits aktualisiert haben: Danke, und betrachten Sie diese E-Mail als erledigt.",
  alreadyConfirmed: "Falls Sie die Zahlung bereits bestätigt haben: Danke, und betrachten Sie diese E-Mail als erledigt.",
  alreadyPaid: "Falls Sie die Zahlung bereits abgeschlossen haben: Danke, und betrachten Sie diese E-Mail als erledigt.",
  replyHelp: "Bei Fragen antworten Sie einfach auf diese E-Mail, und ein Mensch aus unserem Team hilft Ihnen weiter.",
  accessUntil: (date) => `Ihr Zugang bleibt bis ${date} bestehen. Danach wird er pausiert, bis die Zahlung erfolgt ist.`,

  cardUpdate: {
    subject: (amount, brand) => `Ihre Zahlung von ${amount} an ${brand} ist nicht durchgegangen`,
    preview: (amount, brand) => `Ihre Zahlung von ${amount} an ${brand} ist nicht durchgegangen. Das Aktualisieren Ihrer Zahlungsdaten dauert eine Minute.`,
    intro: (amount, forWhat, brand) => `Wir wollten ${amount} ${forWhat} bei ${brand} einziehen, aber die Zahlung ist nicht durchgegangen.`,
    askNeedsCustomer: "Bitte aktualisieren Sie Ihre Zahlungsdaten über den sicheren Link unten. Das dauert nur eine Minute, um den Rest kümmern wir uns.",
    askSoft: "Auf der sicheren Seite unten können Sie mit derselben Karte zahlen, sobald es passt, oder eine andere Karte verwenden. Das dauert nur eine Minute.",
    askTrial: "Wann immer es Ihnen passt, können Sie Ihre Zahlungsdaten über den sicheren Link unten aktualisieren. Das dauert nur eine Minute.",
    retryScheduled: (date) => `Wir versuchen die Zahlung am ${date} erneut. Wenn Sie Ihre Angaben bis dahin aktualisieren, ist alles erledigt.`,
    button: "Zahlungsdaten aktualisieren",
  },

  softReminder: {
    subject: (amount, brand) => `Ihre Zahlung von ${amount} an ${brand} ist nicht durchgegangen`,
    subjectRetry: (amount, brand, date) => `Ihre Zahlung von ${amount} an ${brand} ist nicht durchgegangen – neuer Versuch am ${date}`,
    preview: (amount, brand) => `Ihre Zahlung von ${amount} an ${brand} ist nicht durchgegangen. Der Abschluss dauert eine Minute.`,
    previewRetry: (amount, brand, date) => `Ihre Zahlung von ${amount} an ${brand} ist nicht durchgegangen. Wir versuchen es am ${date} erneut.`,
    intro: (amount, forWhat, brand) => `Ihre Zahlung von ${amount} ${forWhat} bei ${brand} ist diesmal nicht durchgegangen. Das kommt vor und lässt sich meist leicht klären.`,
    retryNoAction: (date) => `Wir versuchen die Zahlung am ${date} automatisch erneut, Sie müssen also gerade nichts tun.`,
    retryBank: (date) => `Wir versuchen die Zahlung am ${date} automatisch erneut. Da Ihre Bank sie abgelehnt hat, hilft ein kurzes Gespräch mit ihr bis dahin oder eine andere Karte.`,
    noRetry: "Die Zahlung wird nicht automatisch wiederholt. Bitte schließen Sie sie auf der sicheren Seite unten ab, mit derselben oder einer anderen Karte.",
    completeNow: "Sie können die Zahlung auf der sicheren Seite unten abschließen, mit derselben oder einer anderen Karte.",
    noRetryOtherCard: "Ihre Bank hat uns gebeten, diese Karte nicht erneut zu belasten. Bitte schließen Sie die Zahlung auf der sicheren Seite unten mit einer anderen Karte ab.",
    payNowOptional: "Wenn Sie lieber jetzt oder mit einer anderen Karte zahlen möchten, geht das auf der sicheren Seite unten.",
    button: "Zahlung abschließen",
  },

  authRequired: {
    subject: (amount, brand) => `Bitte bestätigen: Ihre Zahlung von ${amount} an ${brand} bei Ihrer Bank`,
    subjectTrial: (amount, brand) => `Bitte bestätigen Sie Ihre Zahlung von ${amount} an ${brand} bei Ihrer Bank`,
    preview: (amount, brand) => `Ihre Bank möchte, dass Sie Ihre Zahlung von ${amount} an ${brand} bestätigen. Das dauert nur einen Moment.`,
    intro: (amount, forWhat, brand) =>
      `Ihre Bank bittet Sie, Ihre Zahlung von ${amount} ${forWhat} bei ${brand} zu bestätigen. Das ist eine übliche Sicherheitsprüfung vieler Banken bei Online-Zahlungen, und mit Ihren Zahlungsdaten ist alles in Ordnung.`,
    how: "Öffnen Sie dazu die sichere Zahlungsseite unten und folgen Sie der Aufforderung Ihrer Bank. Meist ist das ein Code per SMS oder eine kurze Freigabe in Ihrer Banking-App.",
    button: "Zahlung bestätigen",
  },

  finalWarning: {
    subjectTrial: (amount, brand) => `Ihre Zahlung von ${amount} an ${brand} braucht noch Ihre Aufmerksamkeit`,
    subjectDate: (amount, brand, date) => `Letzte Erinnerung: Ihre Zahlung von ${amount} an ${brand} ist bis ${date} fällig`,
    subject: (amount, brand) => `Letzte Erinnerung: Ihre Zahlung von ${amount} an ${brand} ist noch offen`,
    previewTrial: (amount, brand) => `Ihre Zahlung von ${amount} an ${brand} ist noch nicht durchgegangen. Das Aktualisieren dauert eine Minute.`,
    preview: (amount, brand) => `Ihre Zahlung von ${amount} an ${brand} ist noch offen. Aktualisieren Sie Ihre Zahlungsdaten, um Ihren Zugang zu behalten.`,
    introTrial: (amount, forWhat, brand) => `Ihre Zahlung von ${amount} ${forWhat} bei ${brand} ist noch nicht durchgegangen.`,
    intro: (amount, forWhat, brand) => `Wir konnten Ihre Zahlung von ${amount} ${forWhat} bei ${brand} noch immer nicht einziehen. Dies ist unsere letzte Erinnerung.`,
    trial: (brand) => `Wann immer Sie so weit sind, können Sie Ihre Zahlungsdaten unten aktualisieren, um ${brand} weiter zu nutzen. Das dauert nur eine Minute.`,
    annualDate: (brand, date) =>
      `Als Jahreskunde hatten Sie während einer Kulanzfrist vollen Zugang zu ${brand}. Diese Frist endet am ${date}: Ist die Zahlung bis dahin nicht eingegangen, wird Ihr Tarif gekündigt.`,
    annual: (brand) => `Als Jahreskunde hatten Sie während einer Kulanzfrist vollen Zugang zu ${brand}. Sie endet bald: Ist die Zahlung bis dahin nicht eingegangen, wird Ihr Tarif gekündigt.`,
    monthlyDate: (brand, date) => `Ist die Zahlung bis zum ${date} nicht eingegangen, wird Ihr Tarif gekündigt und Sie verlieren den Zugang zu ${brand}.`,
    monthly: (brand) => `Geht die Zahlung nicht bald ein, wird Ihr Tarif gekündigt und Sie verlieren den Zugang zu ${brand}.`,
    oneOff: "Bitte schließen Sie die Zahlung über den sicheren Link unten ab, mit derselben oder einer anderen Karte.",
    button: "Zahlungsdaten aktualisieren",
  },

  winback: {
    subjectApplied: (pct, brand, code) => `${pct} Rabatt auf Ihre nächste ${brand}-Rechnung – Code ${code}`,
    subjectReturn: (pct, brand, code) => `${pct} Rabatt für Ihre Rückkehr zu ${brand} – Code ${code}`,
    previewApplied: (pct, brand, code, expiry) => `Wir haben ${pct} Rabatt auf Ihre nächste ${brand}-Rechnung angewendet. Code ${code}, gültig bis ${expiry}.`,
    previewReturn: (pct, brand, code, expiry) => `Kommen Sie mit ${pct} Rabatt zu ${brand} zurück. Code ${code}, gültig bis ${expiry}.`,
    introApplied: (amount, forWhat, brand) => `Ihre letzte Zahlung von ${amount} ${forWhat} bei ${brand} ist nicht durchgegangen, und wir möchten Ihnen die Sache etwas leichter machen.`,
    introReturn: (amount, brand) => `Ihr Abonnement bei ${brand} ist beendet, weil die Zahlung von ${amount} nicht durchgegangen ist. Wir würden uns freuen, Sie wieder dabeizuhaben.`,
    applied: (pct, code) => `Wir haben ${pct} Rabatt auf Ihre nächste Rechnung angewendet, Sie müssen dafür nichts tun. Ihr Code zur Information: ${code}.`,
    useAt: (code, pct) => `Mit dem Code ${code} erhalten Sie auf der Seite unten ${pct} Rabatt bei Ihrer Rückkehr.`,
    useWhen: (code, pct) => `Mit dem Code ${code} erhalten Sie bei einem neuen Abonnement ${pct} Rabatt.`,
    validUntil: (pct, expiry) => `${pct} Rabatt · gültig bis ${expiry}`,
    button: (brand) => `Zurück zu ${brand}`,
  },

  trialEnding: {
    subjectEngaged: (brand, date) => `Ihre ${brand}-Testphase wird am ${date} zu Ihrem Tarif`,
    subjectLapsed: (brand, date) => `Ihre ${brand}-Testphase endet am ${date}`,
    previewEngaged: (brand, date) => `Nichts zu tun: Ihr ${brand}-Tarif geht am ${date} weiter.`,
    previewLapsed: (brand, date) => `Nutzen Sie ${brand} nach dem ${date} weiter, indem Sie eine Zahlungsmethode hinzufügen.`,
    engaged: (brand, date, amount) => `Ihre Testphase bei ${brand} endet am ${date}. Ihre Zahlungsmethode ist bereits hinterlegt, Ihr Tarif läuft also einfach weiter und die erste Zahlung von ${amount} wird dann eingezogen.`,
    lapsed: (brand, date, amount) => `Ihre Testphase bei ${brand} endet am ${date}. Wenn Sie weitermachen möchten (${amount}), fügen Sie eine Zahlungsmethode hinzu, und alles bleibt, wie es ist.`,
    changeCard: "Wenn Sie eine andere Karte verwenden möchten, können Sie sie hier ändern.",
    buttonEngaged: "Zahlungsmethode verwalten",
    buttonLapsed: "Zahlungsmethode hinzufügen",
  },

  empathy: {
    opening: {
      trial: "Wir hoffen, Sie haben uns in der Testphase gut kennengelernt, und wir würden uns freuen, wenn Sie weiter ausprobieren.",
      new: "Sie sind erst vor Kurzem zu uns gekommen, deshalb möchten wir uns melden und es Ihnen so einfach wie möglich machen.",
      loyal: "Sie sind schon lange bei uns, und dafür sind wir Ihnen wirklich dankbar, deshalb möchten wir Ihnen kurz Bescheid geben.",
      winback: "Es bedeutet uns viel, dass Sie zu uns zurückgekommen sind, und ein kleines Zahlungsproblem soll dem nicht im Weg stehen.",
      none: "Wir möchten Ihnen kurz Bescheid geben, damit Sie das nicht überrascht und Sie in Ruhe entscheiden können, wie es weitergehen soll.",
    },
    hint: {
      card_expired:
        "Die hinterlegte Karte scheint abgelaufen zu sein, das passiert jedem früher oder später. Das neue Ablaufdatum oder eine andere Karte einzutragen dauert meist weniger als eine Minute.",
      insufficient_funds:
        "Manchmal wird eine Zahlung einfach wegen des Zeitpunkts abgelehnt, etwa weil ein Kontostand noch nicht aktualisiert ist oder ein Limit greift. Das passiert vielen und klärt sich meist schnell.",
      authentication_required:
        "Ihre Bank möchte diese Zahlung nur von Ihnen bestätigen lassen, ein üblicher Sicherheitsschritt bei vielen Online-Käufen. Mit Ihrer Karte ist alles in Ordnung, und die Freigabe dauert nur einen Moment.",
      do_not_honor:
        "Ihre Bank hat die Zahlung ohne genauen Grund abgelehnt, das ist häufiger, als man denkt. Ein kurzes Gespräch mit Ihrer Bank oder eine andere Karte löst das meistens.",
      invalid_card_details:
        "Einige Kartenangaben scheinen nicht mit den Daten Ihrer Bank übereinzustimmen, etwa die Nummer, das Ablaufdatum oder der Sicherheitscode. Ein kurzer Abgleich behebt das meistens.",
      card_unusable:
        "Ihre Bank hat die Zahlung mit dieser Karte abgelehnt, und Banken nennen uns nicht immer den Grund. Eine andere Karte oder eine kurze Nachfrage bei Ihrer Bank ist meist der einfachste Weg.",
      merchant_account_issue:
        "Die Zahlung ist wegen eines Problems auf unserer Seite nicht durchgegangen, nicht wegen Ihrer Karte. Wir kümmern uns darum, und Sie müssen gerade nichts tun.",
      fraud_suspected:
        "Ihre Bank hat die Zahlung abgelehnt, und sie sagt uns nicht immer, warum. Eine kurze Nachfrage bei Ihrer Bank oder eine andere Zahlungsmethode ist meist der schnellste Weg.",
      processing_error:
        "Das sieht nach einer vorübergehenden Störung bei der Zahlung aus, nicht nach etwas, das Sie getan haben. So etwas löst sich meist von selbst, und Ihre Zahlungsdaten sind sehr wahrscheinlich in Ordnung.",
      unknown:
        "Wir wissen nicht genau, was schiefgelaufen ist, und die Bank hat uns keine Details genannt. Oft ist es eine Kleinigkeit, die sich mit einem Blick auf Ihre Zahlungsdaten leicht beheben lässt.",
    },
    trialEnding:
      "Wir hoffen, Sie haben uns in der Testphase gut kennengelernt, und wir würden uns freuen, wenn Sie weiter ausprobieren. Wie auch immer Sie sich entscheiden, alles, was Sie eingerichtet haben, bleibt genau so, und wir helfen Ihnen gern, den passenden Tarif zu finden.",
  },

  unsubscribe: {
    title: "Keine Angebote mehr",
    confirm: (brand) => `Keine Rabattangebote mehr von ${brand} erhalten? E-Mails zu Ihren Zahlungen und Ihrem Konto bekommen Sie weiterhin.`,
    button: "Abmelden",
    doneTitle: "Sie sind abgemeldet",
    done: (brand) => `${brand} schickt Ihnen keine Angebote mehr. E-Mails zu Ihren Zahlungen und Ihrem Konto erreichen Sie weiterhin.`,
    invalid: "Dieser Link ist ungültig. Bitte verwenden Sie den Link aus unserer neuesten E-Mail.",
  },
  landing: {
    invalidTitle: "Dieser Link ist ungültig",
    invalidBody: "Bitte verwenden Sie den Link aus unserer neuesten E-Mail oder antworten Sie darauf, dann helfen wir Ihnen.",
    settledTitle: "Nichts zu tun, vielen Dank",
    settledPaid: "Diese Zahlung ist beglichen.",
    settledNothing: "Über diesen Link ist nichts mehr zu bezahlen.",
    settledThanks: "Sie müssen nichts weiter tun. Vielen Dank!",
    expiredTitle: "Dieser Link ist abgelaufen",
    expiredNothing: "Über diesen Link ist nichts mehr zu tun.",
    expiredReply: "Wenn Sie Ihre Zahlungsdaten dennoch aktualisieren möchten, antworten Sie auf unsere neueste E-Mail, dann helfen wir Ihnen.",
    stillOpenTitle: "Ihre Zahlung ist noch offen",
    failed: (amount, brand) => (amount !== null ? `Ihre Zahlung über ${amount} an ${brand} ist nicht durchgegangen.` : `Ihre Zahlung an ${brand} ist nicht durchgegangen.`),
    expiredPayOnInvoice: "Dieser Link ist abgelaufen, aber Sie können weiterhin auf der Rechnungsseite bezahlen.",
    expiredNewLink: "Dieser Link ist abgelaufen. Antworten Sie auf unsere neueste E-Mail, und wir senden Ihnen einen neuen.",
    openInvoice: "Rechnung öffnen",
    updateTitle: "Zahlungsmethode aktualisieren",
    updateBody: "Aktualisieren Sie Ihre Karte auf der sicheren Seite von Stripe; wir ziehen die offene Zahlung dann einmal damit ein.",
    updateButton: "Zahlungsmethode aktualisieren",
    addCardTitle: "Karte hinzufügen und Zahlung abschließen",
    addCardBody: (amount) => `Fügen Sie auf der sicheren Seite von Stripe eine Karte hinzu; wir belasten sie dann einmal mit ${amount ?? "dem Betrag"}.`,
    addCardButton: "Karte hinzufügen",
    trialTitle: "Zahlungsmethode hinzufügen",
    trialBody: (brand) => `Fügen Sie eine Zahlungsmethode hinzu, damit Ihr ${brand}-Abonnement nach dem Testzeitraum ohne Unterbrechung weiterläuft.`,
    trialButton: "Zahlungsmethode hinzufügen",
    cardOnFileBody: (brand) => `Aktualisieren Sie die Karte, die ${brand} belastet, auf der sicheren Seite von Stripe.`,
    rateLimited: "Dieser Link wurde in der letzten Stunde mehrmals geöffnet. Bitte versuchen Sie es in einer Stunde erneut oder antworten Sie auf unsere E-Mail, dann helfen wir Ihnen.",
    noStripe: "Wir konnten die sichere Zahlungsseite über diesen Link gerade nicht öffnen. Bitte antworten Sie auf unsere neueste E-Mail, dann helfen wir Ihnen, Ihre Zahlungsdaten zu aktualisieren.",
    secureNote: "Sie fahren auf der sicheren Seite von Stripe fort. Ihre Kartennummer sehen wir nie.",
    updatedTitle: "Danke, Ihre Karte ist aktualisiert",
    updatedBody: (brand) => `Ihre Zahlungsdaten für ${brand} sind gespeichert. Sie können diese Seite schließen.`,
  },
};
