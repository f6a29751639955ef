/** @module locales/fr — Français (vouvoiement). */
import type { Messages } from "./types.ts";

export const fr: Messages = {
  tag: "fr",
  defaultFormatLocale: "fr-FR",
  languageName: "French",

  greeting: (name) => (name ? `Bonjour ${name},` : "Bonjour,"),
  signOff: "Merci,",
  team: (brand) => `L’équipe ${brand}`,
  buttonFallback: "Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :",
  forPlan: (plan) => (plan ? `pour votre formule ${plan}` : "pour votre abonnement"),
  forPurchase: (d) => (d ? `pour « ${d} »` : "pour votre achat"),

  details: {
    title: "Détails du paiement",
    amount: "Montant",
    item: "Pour",
    card: "Carte",
    dueDate: "Échéance",
    cardValue: (brand, last4) => `${brand} se terminant par ${last4}`,
  },

  footer: {
    renewal: (brand) => `Vous recevez cet e-mail car vous avez un abonnement chez ${brand}.`,
    oneOff: (brand) => `Vous recevez cet e-mail au sujet d’un paiement à ${brand}.`,
    offer: (brand) => `Vous recevez cette offre en tant que client de ${brand}.`,
    support: (email) => `Des questions ? Écrivez-nous à ${email}.`,
    unsubscribe: "Ne plus recevoir d’offres",
  },

  annualGrace: (brand) => `En tant qu’abonné annuel, vous gardez un accès complet à ${brand} pendant un délai de grâce, le temps de régler la situation.`,
  viewInvoice: "Voir la facture",
  alreadyUpdated: "Si vous avez déjà mis à jour vos informations, merci, et vous pouvez ignorer cet e-mail.",
  alreadyConfirmed: "Si vous avez déjà confirmé le paiement, merci, et vous pouvez ignorer cet e-mail.",
  alreadyPaid: "Si vous avez déjà effectué le paiement, merci, et vous pouvez ignorer cet e-mail.",
  replyHelp: "Pour toute question, répondez simplement à cet e-mail : une personne de l’équipe vous aidera.",
  accessUntil: (date) => `Votre accès reste actif jusqu’au ${date}. Ensuite, il sera suspendu jusqu’à ce que le paiement aboutisse.`,

  cardUpdate: {
    subject: (amount, brand) => `Votre paiement de ${amount} à ${brand} n’a pas abouti`,
    preview: (amount, brand) => `Votre paiement de ${amount} à ${brand} n’a pas abouti. Mettre à jour vos informations de paiement prend une minute.`,
    intro: (amount, forWhat, brand) => `Nous avons tenté de prélever ${amount} ${forWhat} chez ${brand}, mais le paiement n’a pas abouti.`,
    askNeedsCustomer: "Merci de mettre à jour vos informations de paiement via le lien sécurisé ci-dessous. Cela prend une minute, et nous nous occupons du reste.",
    askSoft: "Sur la page sécurisée ci-dessous, vous pouvez payer avec la même carte quand vous le souhaitez, ou utiliser une autre carte. Cela prend une minute.",
    askTrial: "Quand cela vous convient, vous pouvez mettre à jour vos informations de paiement via le lien sécurisé ci-dessous. Cela prend une minute.",
    retryScheduled: (date) => `Nous réessaierons le paiement le ${date} : il suffit de mettre à jour vos informations d’ici là.`,
    button: "Mettre à jour le paiement",
  },

  softReminder: {
    subject: (amount, brand) => `Votre paiement de ${amount} à ${brand} n’a pas abouti`,
    subjectRetry: (amount, brand, date) => `Votre paiement de ${amount} à ${brand} n’a pas abouti — nouvel essai le ${date}`,
    preview: (amount, brand) => `Votre paiement de ${amount} à ${brand} n’a pas abouti. Le finaliser prend une minute.`,
    previewRetry: (amount, brand, date) => `Votre paiement de ${amount} à ${brand} n’a pas abouti. Nous réessaierons le ${date}.`,
    intro: (amount, forWhat, brand) => `Votre paiement de ${amount} ${forWhat} chez ${brand} n’a pas abouti cette fois-ci. Cela arrive, et c’est généralement facile à régler.`,
    retryNoAction: (date) => `Nous réessaierons automatiquement le paiement le ${date} : vous n’avez rien à faire pour le moment.`,
    retryBank: (date) => `Nous réessaierons automatiquement le paiement le ${date}. Comme votre banque l’a refusé, un mot avec elle d’ici là, ou une autre carte, l’aidera à passer.`,
    noRetry: "Le paiement ne sera pas retenté automatiquement : merci de le finaliser sur la page sécurisée ci-dessous, avec la même carte ou une autre.",
    completeNow: "Vous pouvez finaliser le paiement sur la page sécurisée ci-dessous, avec la même carte ou une autre.",
    noRetryOtherCard: "Votre banque nous a demandé de ne plus débiter cette carte : merci de finaliser le paiement avec une autre carte sur la page sécurisée ci-dessous.",
    payNowOptional: "Si vous préférez payer maintenant, ou avec une autre carte, vous pouvez le faire sur la page sécurisée ci-dessous.",
    button: "Finaliser le paiement",
  },

  authRequired: {
    subject: (amount, brand) => `Action requise : confirmez votre paiement de ${amount} à ${brand} auprès de votre banque`,
    subjectTrial: (amount, brand) => `Merci de confirmer votre paiement de ${amount} à ${brand} auprès de votre banque`,
    preview: (amount, brand) => `Votre banque souhaite que vous confirmiez votre paiement de ${amount} à ${brand}. Cela ne prend qu’un instant.`,
    intro: (amount, forWhat, brand) =>
      `Votre banque vous demande de confirmer votre paiement de ${amount} ${forWhat} chez ${brand}. C’est un contrôle de sécurité courant pour les paiements en ligne, et vos informations de paiement sont correctes.`,
    how: "Pour confirmer le paiement auprès de votre banque, ouvrez la page de paiement sécurisée ci-dessous et suivez les instructions de votre banque. Il s’agit généralement d’un code reçu par SMS ou d’une validation dans votre application bancaire.",
    button: "Confirmer le paiement",
  },

  finalWarning: {
    subjectTrial: (amount, brand) => `Votre paiement de ${amount} à ${brand} attend encore votre attention`,
    subjectDate: (amount, brand, date) => `Dernier rappel : votre paiement de ${amount} à ${brand} est dû avant le ${date}`,
    subject: (amount, brand) => `Dernier rappel : votre paiement de ${amount} à ${brand} est toujours en attente`,
    previewTrial: (amount, brand) => `Votre paiement de ${amount} à ${brand} n’a toujours pas abouti. La mise à jour prend une minute.`,
    preview: (amount, brand) => `Votre paiement de ${amount} à ${brand} est toujours en attente. Mettez à jour vos informations pour garder votre accès.`,
    introTrial: (amount, forWhat, brand) => `Votre paiement de ${amount} ${forWhat} chez ${brand} n’a toujours pas abouti.`,
    intro: (amount, forWhat, brand) => `Nous n’avons toujours pas pu encaisser votre paiement de ${amount} ${forWhat} chez ${brand}, et ceci est notre dernier rappel.`,
    trial: (brand) => `Quand vous serez prêt, vous pourrez mettre à jour vos informations de paiement ci-dessous pour continuer à utiliser ${brand}. Cela prend une minute.`,
    annualDate: (brand, date) =>
      `En tant qu’abonné annuel, vous avez gardé un accès complet à ${brand} pendant un délai de grâce. Ce délai se termine le ${date} : si le paiement n’a pas abouti d’ici là, votre formule sera résiliée.`,
    annual: (brand) => `En tant qu’abonné annuel, vous avez gardé un accès complet à ${brand} pendant un délai de grâce. Il se termine bientôt : si le paiement n’a pas abouti d’ici là, votre formule sera résiliée.`,
    monthlyDate: (brand, date) => `Si le paiement n’a pas abouti d’ici le ${date}, votre formule sera résiliée et vous perdrez l’accès à ${brand}.`,
    monthly: (brand) => `Si le paiement n’aboutit pas rapidement, votre formule sera résiliée et vous perdrez l’accès à ${brand}.`,
    oneOff: "Merci de finaliser le paiement via le lien sécurisé ci-dessous, avec la même carte ou une autre.",
    button: "Mettre à jour le paiement",
  },

  winback: {
    subjectApplied: (pct, brand, code) => `${pct} de réduction sur votre prochaine facture ${brand} — code ${code}`,
    subjectReturn: (pct, brand, code) => `${pct} de réduction pour revenir chez ${brand} — code ${code}`,
    previewApplied: (pct, brand, code, expiry) => `Nous avons appliqué ${pct} de réduction sur votre prochaine facture ${brand}. Code ${code}, valable jusqu’au ${expiry}.`,
    previewReturn: (pct, brand, code, expiry) => `Revenez chez ${brand} avec ${pct} de réduction. Code ${code}, valable jusqu’au ${expiry}.`,
    introApplied: (amount, forWhat, brand) => `Votre dernier paiement de ${amount} ${forWhat} chez ${brand} n’a pas abouti, et nous aimerions vous faciliter les choses.`,
    introReturn: (amount, brand) => `Votre abonnement chez ${brand} a pris fin car le paiement de ${amount} n’a pas abouti. Nous serions ravis de vous retrouver.`,
    applied: (pct, code) => `Nous avons appliqué ${pct} de réduction sur votre prochaine facture : vous n’avez rien à faire. Pour mémoire, votre code est ${code}.`,
    useAt: (code, pct) => `Utilisez le code ${code} sur la page ci-dessous pour obtenir ${pct} de réduction à votre retour.`,
    useWhen: (code, pct) => `Utilisez le code ${code} lors de votre réabonnement pour obtenir ${pct} de réduction.`,
    validUntil: (pct, expiry) => `${pct} de réduction · valable jusqu’au ${expiry}`,
    button: (brand) => `Revenir chez ${brand}`,
  },

  trialEnding: {
    subjectEngaged: (brand, date) => `Votre essai ${brand} devient votre formule le ${date}`,
    subjectLapsed: (brand, date) => `Votre essai ${brand} se termine le ${date}`,
    previewEngaged: (brand, date) => `Rien à faire : votre formule ${brand} continue le ${date}.`,
    previewLapsed: (brand, date) => `Gardez ${brand} après le ${date} en ajoutant un moyen de paiement.`,
    engaged: (brand, date, amount) => `Votre essai de ${brand} se termine le ${date}. Votre moyen de paiement est déjà enregistré : votre formule continue simplement et le premier paiement de ${amount} sera prélevé à cette date.`,
    lapsed: (brand, date, amount) => `Votre essai de ${brand} se termine le ${date}. Si vous souhaitez continuer (${amount}), ajoutez un moyen de paiement et tout reste comme avant.`,
    changeCard: "Si vous souhaitez utiliser une autre carte, vous pouvez la changer ici.",
    buttonEngaged: "Gérer le moyen de paiement",
    buttonLapsed: "Ajouter un moyen de paiement",
  },

  empathy: {
    opening: {
      trial: "Nous espérons que vous avez apprécié de découvrir notre service, et nous serions ravis que vous continuiez à l’explorer.",
      new: "Vous nous avez rejoints récemment, alors nous voulions vous écrire pour vous rendre les choses aussi simples que possible.",
      loyal: "Vous êtes avec nous depuis longtemps, et nous vous en sommes sincèrement reconnaissants, alors nous voulions vous prévenir.",
      winback: "Cela compte beaucoup pour nous que vous soyez revenu, et nous ne voulons pas qu’un petit souci de paiement vienne gêner.",
      none: "Nous voulions vous prévenir rapidement pour que cela ne vous prenne pas au dépourvu.",
    },
    hint: {
      card_expired:
        "Il semble que la carte enregistrée ait expiré, ce qui arrive à tout le monde un jour ou l’autre. Ajouter la nouvelle date d’expiration ou une autre carte prend généralement moins d’une minute.",
      insufficient_funds:
        "Un paiement est parfois refusé simplement à cause du moment, par exemple un solde pas encore à jour ou un plafond atteint. Cela arrive à beaucoup de monde et se règle généralement vite.",
      authentication_required:
        "Votre banque souhaite simplement que vous confirmiez ce paiement, une étape de sécurité habituelle pour de nombreux achats en ligne. Votre carte fonctionne, et la validation ne prend qu’un instant.",
      do_not_honor:
        "Votre banque a refusé le paiement sans nous donner de raison précise, ce qui est plus courant qu’on ne le pense. Un mot avec votre banque ou une autre carte règle généralement la question.",
      invalid_card_details:
        "Il semble que certaines informations de la carte ne correspondent pas à celles de votre banque, comme le numéro, la date d’expiration ou le code de sécurité. Une petite vérification suffit généralement.",
      card_unusable:
        "Votre banque a refusé le paiement avec cette carte, et les banques ne nous donnent pas toujours la raison. Utiliser une autre carte, ou vérifier auprès de votre banque, est généralement le plus simple.",
      merchant_account_issue:
        "Le paiement n’a pas abouti à cause d’un problème de notre côté, pas de votre carte. Nous nous en occupons, et vous n’avez rien à faire pour le moment.",
      fraud_suspected:
        "Votre banque a refusé le paiement, et elle ne nous dit pas toujours pourquoi. Vérifier auprès de votre banque, ou choisir un autre moyen de paiement, est généralement le plus rapide.",
      processing_error:
        "Il s’agit sans doute d’un incident passager lors du paiement, et non de quelque chose que vous avez fait. Ce genre de souci se règle généralement tout seul, et vos informations sont très probablement correctes.",
      unknown:
        "Nous ne savons pas exactement ce qui s’est passé, et la banque ne nous a donné aucun détail. Souvent, c’est un petit rien qui se règle facilement en vérifiant vos informations de paiement.",
    },
    trialEnding:
      "Nous espérons que vous avez apprécié de découvrir notre service, et nous serions ravis que vous continuiez à l’explorer. Quel que soit votre choix, tout ce que vous avez configuré reste exactement à sa place, et nous vous aiderons volontiers à trouver la formule qui vous convient.",
  },

  unsubscribe: {
    title: "Ne plus recevoir d’offres",
    confirm: (brand) => `Ne plus recevoir d’offres promotionnelles de ${brand} ? Vous recevrez toujours les e-mails concernant vos paiements et votre compte.`,
    button: "Me désinscrire",
    doneTitle: "Vous êtes désinscrit",
    done: (brand) => `${brand} ne vous enverra plus d’offres. Les e-mails concernant vos paiements et votre compte continueront de vous parvenir.`,
    invalid: "Ce lien n’est pas valide. Merci d’utiliser le lien de notre dernier e-mail.",
  },
  landing: {
    invalidTitle: "Ce lien n’est pas valide",
    invalidBody: "Merci d’utiliser le lien de notre dernier e-mail, ou d’y répondre : nous vous aiderons.",
    settledTitle: "Rien à faire, merci",
    settledPaid: "Ce paiement est réglé.",
    settledNothing: "Il ne reste rien à payer sur ce lien.",
    settledThanks: "Vous n’avez rien à faire. Merci !",
    expiredTitle: "Ce lien a expiré",
    expiredNothing: "Il n’y a plus rien à faire sur ce lien.",
    expiredReply: "Si vous souhaitez tout de même mettre à jour vos informations de paiement, répondez à notre dernier e-mail : nous vous aiderons.",
    stillOpenTitle: "Votre paiement est toujours en attente",
    failed: (amount, brand) => (amount !== null ? `Votre paiement de ${amount} à ${brand} n’a pas abouti.` : `Votre paiement à ${brand} n’a pas abouti.`),
    expiredPayOnInvoice: "Ce lien a expiré, mais vous pouvez toujours payer sur la page de la facture.",
    expiredNewLink: "Ce lien a expiré. Répondez à notre dernier e-mail et nous vous en enverrons un nouveau.",
    openInvoice: "Ouvrir la facture",
    updateTitle: "Mettez à jour votre moyen de paiement",
    updateBody: "Mettez à jour votre carte sur la page sécurisée de Stripe ; nous encaisserons ensuite le paiement en attente une seule fois avec elle.",
    updateButton: "Mettre à jour le moyen de paiement",
    addCardTitle: "Ajoutez une carte pour finaliser votre paiement",
    addCardBody: (amount) => `Ajoutez une carte sur la page sécurisée de Stripe ; nous la débiterons ensuite une seule fois de ${amount ?? "ce montant"}.`,
    addCardButton: "Ajouter une carte",
    trialTitle: "Ajoutez un moyen de paiement",
    trialBody: (brand) => `Ajoutez un moyen de paiement pour que votre abonnement ${brand} continue sans interruption à la fin de votre essai.`,
    trialButton: "Ajouter un moyen de paiement",
    cardOnFileBody: (brand) => `Mettez à jour la carte débitée par ${brand}, sur la page sécurisée de Stripe.`,
    rateLimited: "Ce lien a été ouvert plusieurs fois au cours de la dernière heure. Réessayez dans une heure, ou répondez à notre e-mail : nous vous aiderons.",
    noStripe: "Nous n’avons pas pu ouvrir la page de paiement sécurisée depuis ce lien pour le moment. Répondez à notre dernier e-mail et nous vous aiderons à mettre à jour vos informations de paiement.",
    secureNote: "Vous continuerez sur la page sécurisée de Stripe. Nous ne voyons jamais votre numéro de carte.",
    updatedTitle: "Merci, votre carte est mise à jour",
    updatedBody: (brand) => `Vos informations de paiement pour ${brand} sont enregistrées. Vous pouvez fermer cette page.`,
  },
};
