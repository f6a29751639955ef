/** @module locales/pt-BR — Português (Brasil), tratamento por "você". */
import type { Messages } from "./types.ts";

export const ptBR: Messages = {
  tag: "pt-BR",
  defaultFormatLocale: "pt-BR",
  languageName: "Brazilian Portuguese",

  greeting: (name) => (name ? `Olá, ${name},` : "Olá,"),
  signOff: "Obrigado,",
  team: (brand) => `Equipe ${brand}`,
  buttonFallback: "Se o botão não funcionar, copie este link no seu navegador:",
  forPlan: (plan) => (plan ? `referente ao seu plano ${plan}` : "referente à sua assinatura"),
  forPurchase: (d) => (d ? `referente a “${d}”` : "referente à sua compra"),

  details: {
    title: "Detalhes do pagamento",
    amount: "Valor",
    item: "Referente a",
    card: "Cartão",
    dueDate: "Vencimento",
    cardValue: (brand, last4) => `${brand} com final ${last4}`,
  },

  footer: {
    renewal: (brand) => `Você está recebendo este e-mail porque tem uma assinatura na ${brand}.`,
    oneOff: (brand) => `Você está recebendo este e-mail por causa de um pagamento à ${brand}.`,
    offer: (brand) => `Você está recebendo esta oferta como cliente da ${brand}.`,
    support: (email) => `Dúvidas? Escreva para ${email}.`,
    unsubscribe: "Não receber mais ofertas",
  },

  annualGrace: (brand) => `Como assinante anual, você mantém acesso completo à ${brand} durante um período de carência enquanto isso é resolvido.`,
  viewInvoice: "Ver a fatura",
  alreadyUpdated: "Se você já atualizou seus dados, obrigado, e pode ignorar este e-mail.",
  alreadyConfirmed: "Se você já confirmou o pagamento, obrigado, e pode ignorar este e-mail.",
  alreadyPaid: "Se você já concluiu o pagamento, obrigado, e pode ignorar este e-mail.",
  replyHelp: "Se tiver alguma dúvida, é só responder a este e-mail que uma pessoa da nossa equipe vai ajudar.",
  accessUntil: (date) => `Seu acesso continua ativo até ${date}. Depois disso, ele será pausado até que o pagamento seja concluído.`,

  cardUpdate: {
    subject: (amount, brand) => `Seu pagamento de ${amount} para a ${brand} não foi concluído`,
    preview: (amount, brand) => `Seu pagamento de ${amount} para a ${brand} não foi concluído. Atualizar seus dados de pagamento leva um minuto.`,
    intro: (amount, forWhat, brand) => `Tentamos cobrar ${amount} ${forWhat} na ${brand}, mas o pagamento não foi concluído.`,
    askNeedsCustomer: "Atualize seus dados de pagamento pelo link seguro abaixo. Leva só um minuto, e nós cuidamos do resto.",
    askSoft: "Na página segura abaixo, você pode pagar com o mesmo cartão quando for melhor para você, ou usar outro cartão. Leva só um minuto.",
    askTrial: "Quando for melhor para você, atualize seus dados de pagamento pelo link seguro abaixo. Leva só um minuto.",
    retryScheduled: (date) => `Vamos tentar o pagamento novamente em ${date}, então basta atualizar seus dados até lá.`,
    button: "Atualizar dados de pagamento",
  },

  softReminder: {
    subject: (amount, brand) => `Seu pagamento de ${amount} para a ${brand} não foi concluído`,
    subjectRetry: (amount, brand, date) => `Seu pagamento de ${amount} para a ${brand} não foi concluído — nova tentativa em ${date}`,
    preview: (amount, brand) => `Seu pagamento de ${amount} para a ${brand} não foi concluído. Concluí-lo leva um minuto.`,
    previewRetry: (amount, brand, date) => `Seu pagamento de ${amount} para a ${brand} não foi concluído. Vamos tentar novamente em ${date}.`,
    intro: (amount, forWhat, brand) => `Seu pagamento de ${amount} ${forWhat} na ${brand} não foi concluído desta vez. Isso acontece, e costuma ser fácil de resolver.`,
    retryNoAction: (date) => `Vamos tentar o pagamento novamente de forma automática em ${date}, então você não precisa fazer nada agora.`,
    retryBank: (date) => `Vamos tentar o pagamento novamente de forma automática em ${date}. Como o seu banco recusou, falar rapidamente com ele até lá, ou usar outro cartão, ajuda a concluir.`,
    noRetry: "Não haverá nova tentativa automática, então conclua o pagamento na página segura abaixo, com o mesmo cartão ou outro.",
    completeNow: "Você pode concluir o pagamento na página segura abaixo, com o mesmo cartão ou outro.",
    noRetryOtherCard: "Seu banco pediu que não tentássemos este cartão novamente, então conclua o pagamento com outro cartão na página segura abaixo.",
    payNowOptional: "Se preferir pagar agora, ou com outro cartão, você pode fazer isso na página segura abaixo.",
    button: "Concluir o pagamento",
  },

  authRequired: {
    subject: (amount, brand) => `Ação necessária: confirme seu pagamento de ${amount} para a ${brand} com o seu banco`,
    subjectTrial: (amount, brand) => `Confirme seu pagamento de ${amount} para a ${brand} com o seu banco`,
    preview: (amount, brand) => `Seu banco quer que você confirme seu pagamento de ${amount} para a ${brand}. Leva só um instante.`,
    intro: (amount, forWhat, brand) =>
      `Seu banco pediu que você confirme seu pagamento de ${amount} ${forWhat} na ${brand}. É uma verificação de segurança comum em pagamentos on-line, e seus dados de pagamento estão corretos.`,
    how: "Para confirmar o pagamento com o seu banco, abra a página de pagamento segura abaixo e siga as instruções do banco. Normalmente é um código por SMS ou uma aprovação rápida no aplicativo do banco.",
    button: "Confirmar pagamento",
  },

  finalWarning: {
    subjectTrial: (amount, brand) => `Seu pagamento de ${amount} para a ${brand} ainda precisa da sua atenção`,
    subjectDate: (amount, brand, date) => `Último lembrete: seu pagamento de ${amount} para a ${brand} vence em ${date}`,
    subject: (amount, brand) => `Último lembrete: seu pagamento de ${amount} para a ${brand} continua pendente`,
    previewTrial: (amount, brand) => `Seu pagamento de ${amount} para a ${brand} ainda não foi concluído. Atualizar seus dados leva um minuto.`,
    preview: (amount, brand) => `Seu pagamento de ${amount} para a ${brand} continua pendente. Atualize seus dados de pagamento para manter seu acesso.`,
    introTrial: (amount, forWhat, brand) => `Seu pagamento de ${amount} ${forWhat} na ${brand} ainda não foi concluído.`,
    intro: (amount, forWhat, brand) => `Ainda não conseguimos receber seu pagamento de ${amount} ${forWhat} na ${brand}, e este é o nosso último lembrete.`,
    trial: (brand) => `Quando quiser, atualize seus dados de pagamento abaixo para continuar usando a ${brand}. Leva só um minuto.`,
    annualDate: (brand, date) =>
      `Como assinante anual, você manteve acesso completo à ${brand} durante um período de carência. Esse período termina em ${date}: se o pagamento não for concluído até lá, seu plano será cancelado.`,
    annual: (brand) => `Como assinante anual, você manteve acesso completo à ${brand} durante um período de carência. Ele termina em breve: se o pagamento não for concluído até lá, seu plano será cancelado.`,
    monthlyDate: (brand, date) => `Se o pagamento não for concluído até ${date}, seu plano será cancelado e você perderá o acesso à ${brand}.`,
    monthly: (brand) => `Se o pagamento não for concluído em breve, seu plano será cancelado e você perderá o acesso à ${brand}.`,
    oneOff: "Conclua o pagamento pelo link seguro abaixo, com o mesmo cartão ou outro.",
    button: "Atualizar dados de pagamento",
  },

  winback: {
    subjectApplied: (pct, brand, code) => `${pct} de desconto na sua próxima fatura da ${brand} — cupom ${code}`,
    subjectReturn: (pct, brand, code) => `${pct} de desconto para voltar à ${brand} — cupom ${code}`,
    previewApplied: (pct, brand, code, expiry) => `Aplicamos ${pct} de desconto na sua próxima fatura da ${brand}. Cupom ${code}, válido até ${expiry}.`,
    previewReturn: (pct, brand, code, expiry) => `Volte para a ${brand} com ${pct} de desconto. Cupom ${code}, válido até ${expiry}.`,
    introApplied: (amount, forWhat, brand) => `Seu último pagamento de ${amount} ${forWhat} na ${brand} não foi concluído, e queremos facilitar um pouco as coisas.`,
    introReturn: (amount, brand) => `Sua assinatura da ${brand} terminou porque o pagamento de ${amount} não foi concluído. Adoraríamos ter você de volta.`,
    applied: (pct, code) => `Aplicamos ${pct} de desconto na sua próxima fatura, então você não precisa fazer nada. Seu cupom, para referência, é ${code}.`,
    useAt: (code, pct) => `Use o cupom ${code} na página abaixo para ganhar ${pct} de desconto ao voltar.`,
    useWhen: (code, pct) => `Use o cupom ${code} ao assinar novamente para ganhar ${pct} de desconto.`,
    validUntil: (pct, expiry) => `${pct} de desconto · válido até ${expiry}`,
    button: (brand) => `Voltar para a ${brand}`,
  },

  trialEnding: {
    subjectEngaged: (brand, date) => `Seu teste da ${brand} vira seu plano em ${date}`,
    subjectLapsed: (brand, date) => `Seu teste da ${brand} termina em ${date}`,
    previewEngaged: (brand, date) => `Nada a fazer: seu plano da ${brand} continua em ${date}.`,
    previewLapsed: (brand, date) => `Continue com a ${brand} depois de ${date} adicionando uma forma de pagamento.`,
    engaged: (brand, date, amount) => `Seu teste da ${brand} termina em ${date}. Sua forma de pagamento já está cadastrada, então seu plano simplesmente continua e o primeiro pagamento de ${amount} será cobrado nessa data.`,
    lapsed: (brand, date, amount) => `Seu teste da ${brand} termina em ${date}. Se quiser continuar (${amount}), adicione uma forma de pagamento e tudo segue como está.`,
    changeCard: "Se quiser usar outro cartão, você pode trocá-lo aqui.",
    buttonEngaged: "Gerenciar forma de pagamento",
    buttonLapsed: "Adicionar forma de pagamento",
  },

  empathy: {
    opening: {
      trial: "Esperamos que você esteja gostando de nos conhecer, e adoraríamos que continuasse explorando tudo o que oferecemos.",
      new: "Você chegou há pouco tempo, então quisemos entrar em contato e deixar tudo o mais fácil possível.",
      loyal: "Você está conosco há bastante tempo, e somos muito gratos por isso, então quisemos avisar você.",
      winback: "Significa muito para nós que você tenha voltado, e não queremos que um pequeno problema de pagamento atrapalhe.",
      none: "Quisemos avisar você rapidamente para que isso não seja uma surpresa e você possa decidir com calma como seguir.",
    },
    hint: {
      card_expired:
        "Parece que o cartão cadastrado venceu, algo que acontece com todo mundo mais cedo ou mais tarde. Informar a nova data de validade ou outro cartão costuma levar menos de um minuto.",
      insufficient_funds:
        "Às vezes um pagamento é recusado só por uma questão de momento, como um saldo que ainda não foi atualizado ou um limite de gastos. Isso acontece com muita gente e costuma se resolver rápido.",
      authentication_required:
        "Seu banco só quer que você confirme este pagamento, uma etapa de segurança comum em muitas compras on-line. Não há nada de errado com o seu cartão, e a aprovação leva só um instante.",
      do_not_honor:
        "Seu banco recusou o pagamento sem nos dar um motivo específico, o que é mais comum do que parece. Uma conversa rápida com o banco ou usar outro cartão costuma resolver.",
      invalid_card_details:
        "Parece que alguns dados do cartão não conferem com os que o seu banco tem, como o número, a data de validade ou o código de segurança. Conferir esses dados costuma resolver.",
      card_unusable:
        "Seu banco recusou o pagamento com este cartão, e os bancos nem sempre nos dizem o motivo. Usar outro cartão, ou falar com o seu banco, costuma ser o caminho mais simples.",
      merchant_account_issue:
        "O pagamento não foi concluído por causa de um problema do nosso lado, não com o seu cartão. Já estamos verificando, e você não precisa fazer nada agora.",
      fraud_suspected:
        "Seu banco recusou o pagamento, e nem sempre ele nos diz o motivo. Falar com o seu banco, ou escolher outra forma de pagamento, costuma ser o jeito mais rápido de resolver.",
      processing_error:
        "Parece uma falha passageira no processamento do pagamento, nada que você tenha feito. Isso costuma se resolver sozinho, e seus dados de pagamento provavelmente estão corretos.",
      unknown:
        "Não sabemos exatamente o que deu errado, e o banco não nos deu detalhes. Muitas vezes é algo pequeno, fácil de resolver conferindo seus dados de pagamento.",
    },
    trialEnding:
      "Esperamos que você esteja gostando de nos conhecer, e adoraríamos que continuasse explorando tudo o que oferecemos. Seja qual for a sua decisão, tudo o que você configurou continua exatamente onde deixou, e teremos prazer em ajudar você a encontrar o plano ideal.",
  },

  unsubscribe: {
    title: "Não receber mais ofertas",
    confirm: (brand) => `Deixar de receber ofertas de desconto da ${brand}? Você continuará recebendo os e-mails sobre seus pagamentos e sua conta.`,
    button: "Cancelar inscrição",
    doneTitle: "Inscrição cancelada",
    done: (brand) => `A ${brand} não enviará mais ofertas para você. Os e-mails sobre seus pagamentos e sua conta continuam chegando normalmente.`,
    invalid: "Este link não é válido. Use o link do nosso e-mail mais recente.",
  },
  landing: {
    invalidTitle: "Este link não é válido",
    invalidBody: "Use o link do nosso e-mail mais recente ou responda a ele que nós ajudamos.",
    settledTitle: "Nada a fazer, obrigado",
    settledPaid: "Este pagamento está quitado.",
    settledNothing: "Não há mais nada a pagar neste link.",
    settledThanks: "Você não precisa fazer nada. Obrigado!",
    expiredTitle: "Este link expirou",
    expiredNothing: "Não há mais nada a fazer neste link.",
    expiredReply: "Se ainda quiser atualizar seus dados de pagamento, responda ao nosso e-mail mais recente que nós ajudamos.",
    stillOpenTitle: "Seu pagamento ainda está em aberto",
    failed: (amount, brand) => (amount !== null ? `Seu pagamento de ${amount} para ${brand} não foi concluído.` : `Seu pagamento para ${brand} não foi concluído.`),
    expiredPayOnInvoice: "Este link expirou, mas você ainda pode pagar na página da fatura.",
    expiredNewLink: "Este link expirou. Responda ao nosso e-mail mais recente e enviaremos um novo.",
    openInvoice: "Abrir a fatura",
    updateTitle: "Atualize sua forma de pagamento",
    updateBody: "Atualize seu cartão na página segura da Stripe; depois cobraremos o pagamento em aberto uma única vez com ele.",
    updateButton: "Atualizar forma de pagamento",
    addCardTitle: "Adicione um cartão para concluir seu pagamento",
    addCardBody: (amount) => `Adicione um cartão na página segura da Stripe; depois cobraremos ${amount ?? "o valor"} uma única vez com ele.`,
    addCardButton: "Adicionar um cartão",
    trialTitle: "Adicione uma forma de pagamento",
    trialBody: (brand) => `Adicione uma forma de pagamento para que sua assinatura do ${brand} continue sem interrupção quando seu período de teste terminar.`,
    trialButton: "Adicionar uma forma de pagamento",
    cardOnFileBody: (brand) => `Atualize o cartão que ${brand} cobra, na página segura da Stripe.`,
    rateLimited: "Este link foi aberto várias vezes na última hora. Tente novamente daqui a uma hora ou responda ao nosso e-mail que nós ajudamos.",
    noStripe: "Não conseguimos abrir a página de pagamento segura por este link agora. Responda ao nosso e-mail mais recente e ajudaremos você a atualizar seus dados de pagamento.",
    secureNote: "Você continuará na página segura da Stripe. Nunca vemos o número do seu cartão.",
    updatedTitle: "Obrigado, seu cartão foi atualizado",
    updatedBody: (brand) => `Seus dados de pagamento do ${brand} foram salvos. Você pode fechar esta página.`,
  },
};
